// External waits: an outside event is checked against the contract of its longest key prefix, stored, and matches a wait armed before or after it.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { silentLogger } from '@lucent/core';
import { codeOf } from '../../../../test/support/lucentErrorCode.js';
import { ExternalWaits } from './externalWaits.js';
import { MemoryTimerStore } from './memoryTimerStore.js';
import { TimerHandlers } from './timerHandlers.js';

const t0 = 1_000_000;

function kit() {
  const store = new MemoryTimerStore();
  const handlers = new TimerHandlers('n1', () => t0, 1_000);
  handlers.handle('paid', () => undefined);
  handlers.handle('expired', () => undefined);
  let wakes = 0;
  const waits = new ExternalWaits({ store, handlers, clock: () => t0, wake: () => void wakes++, log: silentLogger });
  return { store, waits, wakes: () => wakes };
}

describe('ExternalWaits', () => {
  it('picks the contract of the longest key prefix', () => {
    const k = kit();
    const loose = z.unknown();
    const strict = z.object({ txid: z.string() });
    k.waits.define('chain:', loose);
    k.waits.define('chain:btc:', strict);
    expect(k.waits.contractFor('chain:btc:42')).toBe(strict);
    expect(k.waits.contractFor('chain:eth:42')).toBe(loose);
    expect(k.waits.contractFor('http:1')).toBeUndefined();
  });

  it('refuses a malformed outside event before storing it', async () => {
    const k = kit();
    k.waits.define('chain:', z.object({ txid: z.string() }));
    expect(await codeOf(k.waits.deliver('chain:1', { txid: 7 }))).toBe('VALIDATION_FAILED');
    expect(await codeOf(k.waits.deliver('', {}))).toBe('SCHEDULE_INVALID');
    expect(await k.store.list({})).toEqual([]);
  });

  it('matches a wait armed after its event arrived (within the lookback), and one armed before', async () => {
    const k = kit();
    expect((await k.waits.deliver('pay:1', { ok: true })).arrival.status).toBe('stored');
    expect(await k.waits.waitFor({ key: 'pay:1', timeoutMs: 1_000, onMatch: 'paid', onTimeout: 'expired' })).toEqual({ id: 'wait:pay:1', created: true, matchedOnArrival: true });
    await k.waits.waitFor({ key: 'pay:2', timeoutMs: 1_000, onMatch: 'paid', onTimeout: 'expired' });
    const wakes = k.wakes();
    expect((await k.waits.deliver('pay:2', { ok: true })).arrival.status).toBe('matched');
    expect(k.wakes()).toBe(wakes + 1);
    expect(await k.store.get('wait:pay:2')).toMatchObject({ match: { payload: { ok: true } } });
  });

  it('refuses a wait without a positive timeout or with an unregistered timeout handler', async () => {
    const k = kit();
    expect(await codeOf(k.waits.waitFor({ key: 'k', timeoutMs: 0, onMatch: 'paid', onTimeout: 'expired' }))).toBe('SCHEDULE_INVALID');
    expect(await codeOf(k.waits.waitFor({ key: 'k', timeoutMs: 10, onMatch: 'paid', onTimeout: 'nope' }))).toBe('SCHEDULE_INVALID');
  });
});
