// A subscription whose handler keeps failing backs off (doubling from its poll interval) however often new events wake it, and delivers once the handler works again.
import { LucentError } from '@lucent/core';
import { describe, expect, it } from 'vitest';
import { MemoryEventStore } from './memoryEventStore.js';

describe('a subscription that keeps failing', () => {
  it('waits longer after each failure in a row, and wake-ups from appends do not cut the wait short', async () => {
    const store = new MemoryEventStore();
    const failUntil = performance.now() + 700;
    const attempts: number[] = [];
    const errors: unknown[] = [];
    const sub = store.subscribe({
      pollIntervalMs: 50,
      onError: (error) => errors.push(error),
      handler: () => {
        attempts.push(performance.now());
        if (performance.now() < failUntil) throw new LucentError('UNAVAILABLE', 'PostgreSQL is restarting');
      },
    });
    // An append every 5 ms wakes the subscription about 140 times while the handler fails.
    let last = 0;
    while (performance.now() < failUntil) {
      last = (await store.append('busy', [{ type: 'Tick', data: {} }])).lastGlobalPosition;
      await new Promise((r) => setTimeout(r, 5));
    }
    last = (await store.append('busy', [{ type: 'Tick', data: {} }])).lastGlobalPosition;
    // Waits of 50, 100, 200, 400 ms: five or six attempts in 700 ms, not one per wake-up.
    await sub.waitFor(last, 5_000);
    await sub.stop();
    expect(errors.length).toBeGreaterThanOrEqual(3);
    expect(errors.length).toBeLessThanOrEqual(7);
    const gaps = attempts.slice(1, errors.length).map((t, i) => t - (attempts[i] as number));
    for (const [i, gap] of gaps.entries()) expect(gap).toBeGreaterThanOrEqual(50 * 2 ** i - 5);
  });

  it('stop() ends a backoff at once', async () => {
    const store = new MemoryEventStore();
    await store.append('s', [{ type: 'E', data: {} }]);
    let failed!: () => void;
    const firstFailure = new Promise<void>((r) => (failed = r));
    const sub = store.subscribe({
      pollIntervalMs: 10_000,
      onError: () => failed(),
      handler: () => {
        throw new LucentError('UNAVAILABLE', 'down');
      },
    });
    await firstFailure;
    const started = performance.now();
    await sub.stop();
    expect(performance.now() - started).toBeLessThan(500);
  });
});
