// The claim loop: a manual drain claims in batches until nothing is due; the running loop claims ahead, fires on time, and wakes for an announced timer.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '@lucent/core';
import { ClaimLoop } from './claimLoop.js';
import { HeldClaims } from './heldClaims.js';
import { MemoryTimerStore } from './memoryTimerStore.js';
import type { ClaimedTimer } from './timerStore.js';

function kit(clock: () => number, options: { batchSize?: number; pollMs?: number; prefetchMs?: number } = {}) {
  const store = new MemoryTimerStore();
  const fired: { id: string; at: number }[] = [];
  const batchSize = options.batchSize ?? 10;
  const done = async (c: ClaimedTimer): Promise<void> => {
    fired.push({ id: c.id, at: clock() });
    await store.complete(c, { outcomes: [{ outcome: 'fired', scheduledFor: c.dueAt }] }, clock());
  };
  // HeldClaims tells the loop, made after it, when room frees up.
  const roomFor: { loop?: ClaimLoop } = {};
  const held = new HeldClaims({ maxInFlight: batchSize, batchSize, clock, fire: done, roomFreed: () => roomFor.loop?.wake() });
  const loop = new ClaimLoop({
    store,
    nodeId: 'n1',
    clock,
    leaseMs: 30_000,
    pollMs: options.pollMs ?? 20,
    batchSize,
    prefetchMs: options.prefetchMs ?? 0,
    held,
    log: silentLogger,
  });
  roomFor.loop = loop;
  const arm = (id: string, dueAt: number) => store.schedule({ id, kind: 'once', handler: 'h', dueAt, payload: null }, clock());
  return { store, loop, fired, arm };
}

describe('ClaimLoop', () => {
  it('drains everything due in batches, leaves what is not due, and shares one drain between callers', async () => {
    const now = 1_000_000;
    const k = kit(() => now, { batchSize: 2 });
    for (let i = 0; i < 5; i++) await k.arm(`due-${i}`, now - i);
    await k.arm('later', now + 1);
    const [a, b] = [k.loop.runDue(), k.loop.runDue()];
    expect(await a).toBe(5);
    expect(await b).toBe(5);
    expect(k.fired.map((f) => f.id).sort()).toEqual(['due-0', 'due-1', 'due-2', 'due-3', 'due-4']);
    expect(await k.loop.runDue()).toBe(0);
  });

  it('claims a timer ahead within the prefetch window and fires it at its due time, not before', async () => {
    const k = kit(Date.now, { prefetchMs: 500, pollMs: 1_000 });
    const dueAt = Date.now() + 150;
    await k.arm('soon', dueAt);
    k.loop.start(Promise.resolve());
    while (k.fired.length === 0 && Date.now() < dueAt + 2_000) await new Promise((r) => setTimeout(r, 5));
    await k.loop.stop();
    expect(k.fired).toHaveLength(1);
    expect(k.fired[0]?.at).toBeGreaterThanOrEqual(dueAt);
  });

  it('does not fire early when the clock runs slower than the timers that wake it', async () => {
    // A clock at half the speed of the system timers: a single setTimeout(dueAt - now) would wake when this clock
    // reads only halfway to the due time (Node's own timers can wake a millisecond before Date.now reads it).
    const startedAt = Date.now();
    const slow = (): number => startedAt + (Date.now() - startedAt) / 2;
    const k = kit(slow, { prefetchMs: 500, pollMs: 1_000 });
    const dueAt = slow() + 60;
    await k.arm('slow-clock', dueAt);
    k.loop.start(Promise.resolve());
    while (k.fired.length === 0 && slow() < dueAt + 2_000) await new Promise((r) => setTimeout(r, 5));
    await k.loop.stop();
    expect(k.fired).toHaveLength(1);
    expect(k.fired[0]?.at).toBeGreaterThanOrEqual(dueAt);
  });

  it('wakes from a long sleep for a timer announced as due before its planned wake-up', async () => {
    const k = kit(Date.now, { pollMs: 60_000 });
    k.loop.start(Promise.resolve());
    await new Promise((r) => setTimeout(r, 30));
    const armedAt = Date.now();
    await k.arm('announced', armedAt);
    k.loop.announced(armedAt);
    while (k.fired.length === 0 && Date.now() < armedAt + 2_000) await new Promise((r) => setTimeout(r, 5));
    await k.loop.stop();
    expect(k.fired.map((f) => f.id)).toEqual(['announced']);
    expect(k.loop.isRunning).toBe(false);
  });
});
