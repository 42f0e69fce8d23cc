// Firing a cron job: runs its occurrence and re-arms at the next, arms a retry timer for a failed run, and that retry backs off, gives up, or stops with the job.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '@lucent/core';
import { CompletionBatcher } from './completionBatcher.js';
import { CronFirer, cronRetryTimer } from './cronFiring.js';
import { MemoryTimerStore } from './memoryTimerStore.js';
import { RunCompletion } from './runCompletion.js';
import { TimerHandlers } from './timerHandlers.js';
import type { ClaimedTimer } from './timerStore.js';

const t0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const everyFive = 5 * 60_000;

async function kit(fails: number) {
  let now = t0;
  const clock = () => now;
  const store = new MemoryTimerStore();
  const handlers = new TimerHandlers('n1', clock, 1_000);
  let calls = 0;
  handlers.handle('job', () => {
    if (++calls <= fails) throw new Error(`failure ${calls}`);
  });
  const completion = new RunCompletion({ store, completions: new CompletionBatcher(store, clock), wake: () => undefined, leaseMs: 30_000, log: silentLogger });
  const cron = new CronFirer({ store, handlers, completion, clock, random: () => 0.5, graceMs: 60_000, log: silentLogger });
  const retry = { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000 };
  await store.schedule({ id: 'c', kind: 'cron', handler: 'job', dueAt: t0, payload: null, cron: '*/5 * * * *', timezone: 'UTC', misfire: 'skip', retryPolicy: retry }, t0);
  const claimAt = async (at: number): Promise<ClaimedTimer[]> => {
    now = at;
    return store.claimDue('n1', at, 30_000, 10);
  };
  return { store, cron, claimAt, calls: () => calls };
}

describe('CronFirer', () => {
  it('runs the due occurrence and re-arms the job at the next one', async () => {
    const k = await kit(0);
    const [claim] = (await k.claimAt(t0)) as [ClaimedTimer];
    await k.cron.fire(claim);
    expect(await k.store.get('c')).toMatchObject({ state: 'pending', dueAt: t0 + everyFive });
    expect((await k.store.outcomes('c')).map((o) => o.outcome)).toEqual(['fired']);
  });

  it('arms a retry timer of its own for a failed run, and the job still moves on', async () => {
    const k = await kit(1);
    const [claim] = (await k.claimAt(t0)) as [ClaimedTimer];
    await k.cron.fire(claim);
    expect(await k.store.get('c')).toMatchObject({ dueAt: t0 + everyFive });
    const retry = await k.store.get(`retry:c@${t0}`);
    expect(retry).toMatchObject({ kind: 'once', owner: 'cron:c', retryOf: { timerId: 'c', scheduledFor: t0 } });
    const [retryClaim] = (await k.claimAt(retry?.dueAt ?? 0)) as [ClaimedTimer];
    await k.cron.retry(retryClaim, { timerId: 'c', scheduledFor: t0 });
    expect((await k.store.outcomes('c')).map((o) => [o.outcome, o.detail])).toEqual([
      ['retrying', expect.objectContaining({ attempts: 1 })],
      ['fired', { attempts: 2 }],
    ]);
  });

  it('logs the run failed after the last try of its policy', async () => {
    const k = await kit(10);
    await k.cron.fire(((await k.claimAt(t0)) as [ClaimedTimer])[0]);
    for (let i = 0; i < 2; i++) {
      const due = (await k.store.get(`retry:c@${t0}`))?.dueAt ?? 0;
      const claim = (await k.claimAt(due)).find((c) => c.retryOf !== undefined) as ClaimedTimer;
      await k.cron.retry(claim, { timerId: 'c', scheduledFor: t0 });
    }
    expect(k.calls()).toBe(3);
    expect((await k.store.outcomes('c')).at(-1)).toMatchObject({ outcome: 'failed', detail: { attempts: 3, error: 'failure 3' } });
  });

  it('does not run a retry of a job cancelled meanwhile', async () => {
    const k = await kit(1);
    await k.cron.fire(((await k.claimAt(t0)) as [ClaimedTimer])[0]);
    const retry = await k.store.get(`retry:c@${t0}`);
    const [retryClaim] = (await k.claimAt(retry?.dueAt ?? 0)) as [ClaimedTimer];
    await k.store.cancel('c', t0);
    await k.cron.retry(retryClaim, { timerId: 'c', scheduledFor: t0 });
    expect(k.calls()).toBe(1);
    expect((await k.store.outcomes('c')).at(-1)).toMatchObject({ outcome: 'cancelled' });
  });

  it('names one retry timer per job and occurrence, owned by the job', () => {
    const job = { id: 'c', handler: 'job', payload: { a: 1 } } as const;
    const policy = { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 };
    expect(cronRetryTimer({ ...job, kind: 'cron', dueAt: t0, state: 'pending', registeredAt: t0, attempts: 0, claimToken: 'x', claimedBy: 'n', claimedUntil: t0, reason: 'due' }, t0, t0 + 9, policy)).toEqual({
      id: `retry:c@${t0}`,
      kind: 'once',
      handler: 'job',
      dueAt: t0 + 9,
      payload: { a: 1 },
      owner: 'cron:c',
      retryPolicy: policy,
      retryOf: { timerId: 'c', scheduledFor: t0 },
    });
  });
});
