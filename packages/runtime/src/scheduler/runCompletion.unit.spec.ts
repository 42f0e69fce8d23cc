// How a run ends: finished through the batched completions, re-armed or retried with a wake-up for the loop, or reported lost when its claim lapsed.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '@lucent/core';
import { CompletionBatcher } from './completionBatcher.js';
import { MemoryTimerStore } from './memoryTimerStore.js';
import { RunCompletion } from './runCompletion.js';
import type { ClaimedTimer } from './timerStore.js';

const t0 = 1_000_000;

async function kit() {
  const store = new MemoryTimerStore();
  let wakes = 0;
  const warnings: unknown[] = [];
  const log = { ...silentLogger, warn: (m: string, f?: unknown) => void warnings.push([m, f]) };
  const completion = new RunCompletion({ store, completions: new CompletionBatcher(store, () => t0), wake: () => void wakes++, leaseMs: 10, log });
  await store.schedule({ id: 't', kind: 'once', handler: 'h', dueAt: t0, payload: null }, t0);
  const [claim] = (await store.claimDue('n1', t0, 10, 1)) as [ClaimedTimer];
  return { store, completion, claim, wakes: () => wakes, warnings };
}

describe('RunCompletion', () => {
  it('finishes a run through the batched completions without waking the loop', async () => {
    const k = await kit();
    await k.completion.finish(k.claim, { outcomes: [{ outcome: 'fired', scheduledFor: t0 }] });
    expect(await k.store.get('t')).toMatchObject({ state: 'done', outcome: 'fired' });
    expect(k.wakes()).toBe(0);
  });

  it('wakes the loop when the run re-armed its timer or armed another', async () => {
    const k = await kit();
    await k.completion.finish(k.claim, { outcomes: [{ outcome: 'fired', scheduledFor: t0 }], rearmAt: t0 + 5 });
    expect(await k.store.get('t')).toMatchObject({ state: 'pending', dueAt: t0 + 5 });
    expect(k.wakes()).toBe(1);
  });

  it('gives a failed run back for a retry at its time, and wakes the loop', async () => {
    const k = await kit();
    await k.completion.retryLater(k.claim, t0 + 1_000, 'boom', t0);
    expect(await k.store.get('t')).toMatchObject({ state: 'pending', dueAt: t0 + 1_000, attempts: 1 });
    expect(k.wakes()).toBe(1);
  });

  it('reports a run whose claim another node took over meanwhile as lost, and writes nothing', async () => {
    const k = await kit();
    await k.store.claimDue('n2', t0 + 11, 10, 1);
    await k.completion.finish(k.claim, { outcomes: [{ outcome: 'fired', scheduledFor: t0 }] });
    await k.completion.retryLater(k.claim, t0 + 1_000, 'boom', t0);
    expect(k.warnings).toHaveLength(2);
    expect(k.warnings[0]).toEqual(['timer claim expired before the run finished; another node may run it again', { timerId: 't', leaseMs: 10 }]);
    expect(await k.store.get('t')).toMatchObject({ state: 'pending', claimedBy: 'n2' });
    expect(k.wakes()).toBe(0);
  });
});
