// Firing one claim: the observer hears of it, a one-off's handler runs and is retried by policy, a timed-out wait runs its timeout handler, store trouble is logged.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '@lucent/core';
import { CompletionBatcher } from './completionBatcher.js';
import { CronFirer } from './cronFiring.js';
import { MemoryTimerStore } from './memoryTimerStore.js';
import { RunCompletion } from './runCompletion.js';
import { TimerFirer } from './timerFiring.js';
import { TimerHandlers } from './timerHandlers.js';
import type { ClaimedTimer, NewTimer } from './timerStore.js';

const t0 = 1_000_000;

function kit(store = new MemoryTimerStore()) {
  let now = t0;
  const clock = () => now;
  const handlers = new TimerHandlers('n1', clock, 1_000);
  const ran: string[] = [];
  let failures = 0;
  handlers.handle('ok', (f) => void ran.push(`ok:${f.reason}`));
  handlers.handle('late', (f) => void ran.push(`late:${f.reason}`));
  handlers.handle('flaky', () => {
    ran.push('flaky');
    if (failures-- > 0) throw new Error('downstream 503');
  });
  const errors: string[] = [];
  const log = { ...silentLogger, error: (m: string) => void errors.push(m) };
  const completion = new RunCompletion({ store, completions: new CompletionBatcher(store, clock), wake: () => undefined, leaseMs: 30_000, log });
  const cron = new CronFirer({ store, handlers, completion, clock, random: () => 0.5, graceMs: 60_000, log });
  const firer = new TimerFirer({ handlers, completion, cron, clock, random: () => 0.5, retryPolicy: { maxAttempts: 2, baseDelayMs: 1_000, maxDelayMs: 1_000 }, log });
  const claim = async (timer: NewTimer, at = t0): Promise<ClaimedTimer> => {
    if ((await store.get(timer.id)) === undefined) await store.schedule(timer, t0);
    now = at;
    return ((await store.claimDue('n1', at, 30_000, 1)) as [ClaimedTimer])[0];
  };
  return { store, firer, claim, ran, errors, failTimes: (n: number) => (failures = n) };
}

describe('TimerFirer', () => {
  it('tells the observer which handler fired, of what kind and how late', async () => {
    const k = kit();
    const seen: unknown[] = [];
    k.firer.observer = (f) => void seen.push(f);
    await k.firer.fire(await k.claim({ id: 'a', kind: 'once', handler: 'ok', dueAt: t0, payload: null }, t0 + 7));
    expect(seen).toEqual([{ handler: 'ok', kind: 'once', lagMs: 7 }]);
    expect(await k.store.get('a')).toMatchObject({ state: 'done', outcome: 'fired' });
  });

  it('retries a failed one-off by the policy, then records it failed after the last attempt', async () => {
    const k = kit();
    k.failTimes(5);
    await k.firer.fire(await k.claim({ id: 'f', kind: 'once', handler: 'flaky', dueAt: t0, payload: null }));
    expect(await k.store.get('f')).toMatchObject({ state: 'pending', attempts: 1 });
    const due = (await k.store.get('f'))?.dueAt ?? 0;
    expect(due).toBeGreaterThan(t0);
    await k.firer.fire(await k.claim({ id: 'f', kind: 'once', handler: 'flaky', dueAt: t0, payload: null }, due));
    expect(await k.store.get('f')).toMatchObject({ state: 'done', outcome: 'failed' });
    expect(k.ran).toEqual(['flaky', 'flaky']);
  });

  it('runs the timeout handler of a wait whose deadline passed, and records a timeout', async () => {
    const k = kit();
    const wait: NewTimer = { id: 'w', kind: 'external', handler: 'ok', timeoutHandler: 'late', waitKey: 'k', lookbackMs: 0, dueAt: t0 + 10, payload: null };
    await k.firer.fire(await k.claim(wait, t0 + 10));
    expect(k.ran).toEqual(['late:timeout']);
    expect(await k.store.get('w')).toMatchObject({ state: 'done', outcome: 'timeout' });
  });

  it('logs store trouble while finishing instead of rejecting; the lease lets the timer fire again', async () => {
    class FailingStore extends MemoryTimerStore {
      override async completeMany(): Promise<boolean[]> {
        throw new Error('connection reset');
      }
    }
    const k = kit(new FailingStore());
    await expect(k.firer.fire(await k.claim({ id: 'a', kind: 'once', handler: 'ok', dueAt: t0, payload: null }))).resolves.toBeUndefined();
    expect(k.errors).toEqual(['scheduler could not finish a timer']);
  });
});
