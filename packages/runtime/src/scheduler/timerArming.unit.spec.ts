// Arming: a one-off needs exactly one of dueAt and delayMs and is armed once per id; a cron job's changed definition replaces the stored one unless told not to.
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../../../test/support/lucentErrorCode.js';
import { MemoryTimerStore } from './memoryTimerStore.js';
import { TimerArming, samePolicy } from './timerArming.js';
import { TimerHandlers } from './timerHandlers.js';

const t0 = Date.UTC(2025, 0, 1, 12, 0, 0);

function kit() {
  const store = new MemoryTimerStore();
  const handlers = new TimerHandlers('n1', () => t0, 1_000);
  handlers.handle('h', () => undefined);
  let wakes = 0;
  return { store, arming: new TimerArming({ store, handlers, clock: () => t0, wake: () => void wakes++ }), wakes: () => wakes };
}

describe('TimerArming', () => {
  it('arms a one-off once per id, due after its delay, and wakes the loop only when it created one', async () => {
    const k = kit();
    expect(await k.arming.once({ id: 'a', delayMs: 50, handler: 'h' })).toMatchObject({ created: true, timer: { dueAt: t0 + 50 } });
    expect(await k.arming.once({ id: 'a', delayMs: 99, handler: 'h' })).toMatchObject({ created: false, timer: { dueAt: t0 + 50 } });
    expect(k.wakes()).toBe(1);
  });

  it('refuses a one-off with both or neither of dueAt and delayMs, or a negative delay', async () => {
    const k = kit();
    expect(await codeOf(k.arming.once({ id: 'a', handler: 'h' }))).toBe('SCHEDULE_INVALID');
    expect(await codeOf(k.arming.once({ id: 'a', handler: 'h', delayMs: 1, dueAt: t0 }))).toBe('SCHEDULE_INVALID');
    expect(await codeOf(k.arming.once({ id: 'a', handler: 'h', delayMs: -1 }))).toBe('SCHEDULE_INVALID');
  });

  it('arms a cron job at its first occurrence from now, keeps it when re-registered alike, and replaces it when changed', async () => {
    const k = kit();
    const job = { id: 'c', expression: '*/5 * * * *', handler: 'h', misfire: 'skip' } as const;
    expect(await k.arming.cron(job)).toMatchObject({ created: true, timer: { dueAt: t0, timezone: 'UTC' } });
    expect(await k.arming.cron(job)).toMatchObject({ created: false, timer: { cron: '*/5 * * * *' } });
    expect(await k.arming.cron({ ...job, expression: '30 * * * *', replace: false })).toMatchObject({ timer: { cron: '*/5 * * * *' } });
    expect(await k.arming.cron({ ...job, expression: '30 * * * *' })).toMatchObject({ created: false, timer: { cron: '30 * * * *', dueAt: t0 + 30 * 60_000 } });
  });

  it('compares retry policies field by field, an unstated one equal only to another unstated', () => {
    const p = { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 100 };
    expect(samePolicy(p, { ...p })).toBe(true);
    expect(samePolicy(p, { ...p, maxAttempts: 4 })).toBe(false);
    expect(samePolicy(undefined, undefined)).toBe(true);
    expect(samePolicy(p, undefined)).toBe(false);
  });
});
