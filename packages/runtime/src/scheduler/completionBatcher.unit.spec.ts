// Completions of runs that finish together reach the store in one statement, at most a batch's worth each; a lost claim answers false, a store failure rejects only its batch.
import { describe, expect, it } from 'vitest';
import { CompletionBatcher } from './completionBatcher.js';
import { MemoryTimerStore } from './memoryTimerStore.js';
import type { ClaimedTimer, Completion } from './timerStore.js';

const t0 = 1_000_000;
const fired = { outcomes: [{ outcome: 'fired' as const, scheduledFor: t0 }] };

/** The in-memory store, counting the completion statements it is sent and failing the ones it is told to. */
class CountingStore extends MemoryTimerStore {
  readonly statements: number[] = [];
  failNext = 0;

  override async completeMany(items: readonly Completion[], now: number): Promise<boolean[]> {
    this.statements.push(items.length);
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('connection reset');
    }
    return super.completeMany(items, now);
  }
}

async function claimed(store: MemoryTimerStore, count: number): Promise<ClaimedTimer[]> {
  for (let i = 0; i < count; i++) await store.schedule({ id: `t${i}`, kind: 'once', handler: 'h', dueAt: t0, payload: null }, t0);
  return store.claimDue('n1', t0, 60_000, count);
}

describe('CompletionBatcher', () => {
  it('writes the completions of runs that finished in the same turn in one statement, and each run sees its timer done', async () => {
    const store = new CountingStore();
    const claims = await claimed(store, 5);
    const batcher = new CompletionBatcher(store, () => t0);
    const held = await Promise.all(claims.map((claim) => batcher.complete({ claim, input: fired })));
    expect(held).toEqual([true, true, true, true, true]);
    expect(store.statements).toEqual([5]);
    for (const claim of claims) expect((await store.get(claim.id))?.state).toBe('done');
  });

  it('splits a burst into statements of at most the batch size', async () => {
    const store = new CountingStore();
    const claims = await claimed(store, 5);
    const batcher = new CompletionBatcher(store, () => t0, () => 0, 2);
    await Promise.all(claims.map((claim) => batcher.complete({ claim, input: fired })));
    expect(store.statements).toEqual([2, 2, 1]);
  });

  it('answers false for a run whose claim was lost before its completion landed, and true for the others', async () => {
    const store = new CountingStore();
    const [kept, lost] = (await claimed(store, 2)) as [ClaimedTimer, ClaimedTimer];
    await store.cancel(lost.id, t0);
    const batcher = new CompletionBatcher(store, () => t0);
    const answers = await Promise.all([batcher.complete({ claim: kept, input: fired }), batcher.complete({ claim: lost, input: fired })]);
    expect(answers).toEqual([true, false]);
    expect((await store.get(lost.id))?.state).toBe('cancelled');
  });

  it('rejects every completion of a statement the store failed, and still writes the ones that come after', async () => {
    const store = new CountingStore();
    const [a, b, c] = (await claimed(store, 3)) as [ClaimedTimer, ClaimedTimer, ClaimedTimer];
    const batcher = new CompletionBatcher(store, () => t0);
    store.failNext = 1;
    const failed = await Promise.allSettled([batcher.complete({ claim: a, input: fired }), batcher.complete({ claim: b, input: fired })]);
    expect(failed.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'held'))).toEqual(['connection reset', 'connection reset']);
    await expect(batcher.complete({ claim: c, input: fired })).resolves.toBe(true);
    expect((await store.get(a.id))?.state).toBe('pending');
    expect((await store.get(c.id))?.state).toBe('done');
  });

  it('waits the configured gap between the starts of two statements, gathering what arrived meanwhile', async () => {
    const store = new CountingStore();
    const [first, ...rest] = (await claimed(store, 4)) as ClaimedTimer[];
    const batcher = new CompletionBatcher(store, () => t0, () => 50);
    const started = Date.now();
    await batcher.complete({ claim: first!, input: fired });
    // Arrive while the gap after the first statement runs: they leave together once it has passed.
    const later = await Promise.all(rest.map((claim) => batcher.complete({ claim, input: fired })));
    expect(later).toEqual([true, true, true]);
    expect(store.statements).toEqual([1, 3]);
    // Timers may fire a millisecond early; the bound is generous below the 50 ms gap, with none above.
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });
});
