// Waiting calls: each fails on its own wait limit (one timer between them), a batch fails together, a settled call stays settled.
import { describe, expect, it } from 'vitest';
import { shardUnavailable, type RemoteReply } from '@lucent/runtime';
import { PendingCalls } from './pendingCalls.js';

const ok: RemoteReply = { ok: true, output: 1, events: [] };
const unavailable = (p: { shardId: string }): Error => shardUnavailable(p.shardId, 'test');
const outcome = (p: Promise<RemoteReply>): Promise<string> =>
  p.then(
    () => 'resolved',
    (e: { code?: string }) => e.code ?? 'error',
  );

describe('PendingCalls', () => {
  it('fails each call at its own wait limit with DEADLINE_EXCEEDED, the later one after the earlier', async () => {
    const pending = new PendingCalls(Date.now);
    const late = outcome(pending.add(2, 's1', 'f', Date.now() + 120));
    const early = outcome(pending.add(1, 's1', 'f', Date.now() + 20));
    const answered = pending.add(3, 's1', 'f', Date.now() + 20);
    pending.take(3)!.resolve(ok);
    await expect(answered).resolves.toEqual(ok);
    const first = await Promise.race([early.then((o) => `early ${o}`), late.then((o) => `late ${o}`)]);
    expect(first).toBe('early DEADLINE_EXCEEDED');
    expect(pending.has(2)).toBe(true);
    await expect(late).resolves.toBe('DEADLINE_EXCEEDED');
  });

  it('fails the calls of a batch still waiting together, and lets a batch reply settle only its own calls', async () => {
    const pending = new PendingCalls(Date.now);
    const until = Date.now() + 5_000;
    const calls = [1, 2, 3, 4].map((id) => pending.add(id, 's1', 'f', until));
    pending.openBatch(10, [1, 2]);
    pending.openBatch(11, [3, 4]);
    expect(pending.takeFromBatch(10, 3)).toBeUndefined();
    pending.takeFromBatch(10, 1)!.resolve(ok);
    pending.fail(10, unavailable);
    expect(pending.isBatch(10)).toBe(false);
    pending.fail(4, unavailable);
    expect(pending.has(3)).toBe(true);
    expect(pending.isBatch(11)).toBe(true);
    pending.close(unavailable);
    expect(await Promise.all(calls.map(outcome))).toEqual(['resolved', 'UNAVAILABLE', 'UNAVAILABLE', 'UNAVAILABLE']);
  });

  it('abandons only the given shard’s calls, and fails the rest on close', async () => {
    const pending = new PendingCalls(Date.now);
    const until = Date.now() + 5_000;
    const a = outcome(pending.add(1, 's1', 'f', until));
    const b = outcome(pending.add(2, 's2', 'f', until));
    pending.abandon('s1', shardUnavailable('s1', 'gone'));
    await expect(a).resolves.toBe('UNAVAILABLE');
    expect(pending.has(2)).toBe(true);
    pending.close(unavailable);
    await expect(b).resolves.toBe('UNAVAILABLE');
    expect(pending.has(2)).toBe(false);
  });
});
