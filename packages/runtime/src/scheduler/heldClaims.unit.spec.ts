// The claims a node holds: fired at their due time, no more at once than the slots allow and in due order, dropped when cancelled before they run.
import { describe, expect, it } from 'vitest';
import { HeldClaims } from './heldClaims.js';
import type { ClaimedTimer } from './timerStore.js';

const t0 = 1_000_000;
const claim = (id: string, dueAt = t0, reason: ClaimedTimer['reason'] = 'due'): ClaimedTimer => ({
  id,
  kind: 'once',
  handler: 'h',
  dueAt,
  payload: null,
  state: 'pending',
  registeredAt: t0,
  attempts: 0,
  claimToken: `tok-${id}`,
  claimedBy: 'n1',
  claimedUntil: dueAt + 30_000,
  reason,
});

function kit(maxInFlight: number, batchSize = 4, clock: () => number = () => t0) {
  const started: string[] = [];
  const release = new Map<string, () => void>();
  let roomFreed = 0;
  const held = new HeldClaims({
    maxInFlight,
    batchSize,
    clock,
    fire: (c) => {
      started.push(c.id);
      return new Promise<void>((r) => release.set(c.id, r));
    },
    roomFreed: () => void roomFreed++,
  });
  return { held, started, release: (id: string) => release.get(id)?.(), roomFreed: () => roomFreed };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('HeldClaims', () => {
  it('runs no more handlers at once than its slots, the waiting ones in due order', async () => {
    const k = kit(1);
    const runs = ['a', 'b', 'c'].map((id) => k.held.hold(claim(id), false));
    expect(k.started).toEqual(['a']);
    expect(k.held.room).toBe(1 + 4 - 3);
    k.release('a');
    await runs[0];
    expect(k.started).toEqual(['a', 'b']);
    k.release('b');
    await runs[1];
    k.release('c');
    await runs[2];
    expect(k.started).toEqual(['a', 'b', 'c']);
    expect(k.held.size).toBe(0);
  });

  it('fires a claim taken ahead at its due time, not before', async () => {
    // A clock that moves with wall time from t0: the held claim waits until it reads the due time.
    const startedAt = Date.now();
    const k = kit(2, 4, () => t0 + (Date.now() - startedAt));
    const run = k.held.hold(claim('later', t0 + 40), true);
    await tick();
    expect(k.started).toEqual([]);
    await new Promise((r) => setTimeout(r, 60));
    expect(k.started).toEqual(['later']);
    k.release('later');
    await run;
  });

  it('drops a waiting claim that was cancelled (it never runs) but lets a running one finish', async () => {
    const k = kit(1);
    const running = k.held.hold(claim('a'), false);
    const waiting = k.held.hold(claim('b'), false);
    k.held.drop(() => true);
    expect(k.roomFreed()).toBe(1);
    expect(k.held.isRunning('tok-a')).toBe(true);
    expect(k.held.claims().map((c) => c.id)).toEqual(['a']);
    k.release('a');
    await Promise.all([running, waiting]);
    expect(k.started).toEqual(['a']);
  });

  it('gives up the claims not yet running when the node stops, and waits for the running ones', async () => {
    const k = kit(1);
    const running = k.held.hold(claim('a'), false);
    void k.held.hold(claim('b', t0 + 60_000), true);
    expect(k.held.takeUnfired().map((c) => c.id)).toEqual(['b']);
    let settled = false;
    const done = k.held.settled().then(() => (settled = true));
    await tick();
    expect(settled).toBe(false);
    k.release('a');
    await Promise.all([running, done]);
    expect(k.started).toEqual(['a']);
  });
});
