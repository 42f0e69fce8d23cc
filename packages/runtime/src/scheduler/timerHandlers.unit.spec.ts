// The handler registry: names checked when a timer is armed, payloads checked against the handler's contract, one run reported as an error message.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { codeOf } from '../../../../test/support/lucentErrorCode.js';
import { TimerHandlers } from './timerHandlers.js';
import type { ClaimedTimer } from './timerStore.js';

const now = 1_000_000;
const claim = (over: Partial<ClaimedTimer> = {}): ClaimedTimer => ({
  id: 't1', kind: 'once', handler: 'h', dueAt: now, payload: { n: 1 }, state: 'pending', registeredAt: now, attempts: 2,
  claimToken: 'tok', claimedBy: 'n1', claimedUntil: now + 30_000, reason: 'due', ...over,
});

describe('TimerHandlers', () => {
  it('refuses an unnamed handler, and arming with a name nobody registered, naming the field', async () => {
    const handlers = new TimerHandlers('n1', () => now, 1_000);
    expect(() => handlers.handle('', () => undefined)).toThrow(/non-empty name/);
    expect(() => handlers.require('nope', 'onTimeout')).toThrow(/No timer handler named "nope"/);
    expect(await codeOf(handlers.checkPayload('nope', null))).toBe('SCHEDULE_INVALID');
  });

  it('refuses a payload that is not plain JSON or breaks the handler contract', async () => {
    const handlers = new TimerHandlers('n1', () => now, 1_000);
    handlers.handle('h', () => undefined, { payload: z.object({ n: z.number() }) });
    await expect(handlers.checkPayload('h', { n: 1 })).resolves.toBeUndefined();
    expect(await codeOf(handlers.checkPayload('h', { n: 'one' }))).toBe('VALIDATION_FAILED');
    expect(await codeOf(handlers.checkPayload('h', { n: Number.NaN }))).toBe('VALIDATION_FAILED');
  });

  it("runs a handler with the firing's payload, key and attempt; a cron retry names the run it repeats", async () => {
    const handlers = new TimerHandlers('n1', () => now + 5, 1_000);
    const seen: unknown[] = [];
    handlers.handle('h', (f) => void seen.push({ payload: f.payload, key: f.firingKey, attempt: f.attempt, now: f.now }));
    expect(await handlers.invoke('h', claim(), now)).toBeUndefined();
    expect(await handlers.invoke('h', claim(), now, { firingKey: 'job@1', attempt: 4 })).toBeUndefined();
    expect(seen).toEqual([
      { payload: { n: 1 }, key: `t1@${now}`, attempt: 2, now: now + 5 },
      { payload: { n: 1 }, key: 'job@1', attempt: 4, now: now + 5 },
    ]);
  });

  it('reports a throw, a missing handler and a handler past its time as error messages, never a rejection', async () => {
    const handlers = new TimerHandlers('n1', () => now, 30);
    handlers.handle('boom', () => {
      throw new Error('downstream 503');
    });
    handlers.handle('slow', () => new Promise<void>((r) => setTimeout(r, 1_000).unref()));
    expect(await handlers.invoke('boom', claim(), now)).toBe('downstream 503');
    expect(await handlers.invoke('gone', claim(), now)).toBe('no handler named gone is registered on node n1');
    expect(await handlers.invoke('slow', claim(), now)).toMatch(/slow/);
  });
});
