// A hung timer handler no longer holds its slot forever: past handlerTimeoutMs its run fails (and is retried) and the next timer fires.
import { describe, expect, it } from 'vitest';
import type { TimerFiring } from './schedulerApi.js';
import { Scheduler } from './scheduler.js';
import { MemoryTimerStore } from './memoryTimerStore.js';

describe('Scheduler handler timeout', () => {
  it('a handler that never settles fails after handlerTimeoutMs, is retried by its policy, and frees its slot', async () => {
    let now = Date.UTC(2025, 0, 1);
    const store = new MemoryTimerStore();
    const warnings: unknown[] = [];
    const quiet = () => undefined;
    const logger = { debug: quiet, info: quiet, error: quiet, warn: (_: string, fields?: unknown) => void warnings.push(fields), child: () => logger };
    const scheduler = new Scheduler({
      store,
      clock: () => now,
      nodeId: 'test',
      maxInFlight: 1,
      handlerTimeoutMs: 50,
      logger,
      random: () => 0.5,
      retry: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000 },
    });
    const fired: TimerFiring[] = [];
    let hung = 0;
    scheduler.handle('hang', () => {
      hung++;
      return new Promise<void>(() => undefined);
    });
    scheduler.handle('record', (f) => void fired.push(f));
    await scheduler.schedule({ id: 'exchange-call', delayMs: 0, handler: 'hang' });
    await scheduler.schedule({ id: 'after', delayMs: 1, handler: 'record' });
    now += 1;
    const started = Date.now();
    await scheduler.runDue();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(hung).toBe(1);
    expect(fired.map((f) => f.timer.id)).toEqual(['after']);
    const timer = await scheduler.get('exchange-call');
    expect(timer).toMatchObject({ state: 'pending', attempts: 1 });
    expect(warnings).toEqual([expect.objectContaining({ timerId: 'exchange-call', error: 'timer handler hang did not finish within 50 ms' })]);
  });
});
