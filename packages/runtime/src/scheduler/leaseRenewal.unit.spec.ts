// Lease renewal: claims the store still grants are kept; one it does not is dropped if waiting, reported lost if running; store trouble is retried.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '@lucent/core';
import { HeldClaims } from './heldClaims.js';
import { LeaseRenewal } from './leaseRenewal.js';
import { MemoryTimerStore } from './memoryTimerStore.js';
import type { ClaimedTimer } from './timerStore.js';

const t0 = 1_000_000;

/** A store whose renewals a test decides: a fixed set of timer ids is still granted, or it fails. */
class RenewingStore extends MemoryTimerStore {
  granted: readonly string[] | 'fail' = [];
  override async renew(claims: readonly ClaimedTimer[]): Promise<string[]> {
    if (this.granted === 'fail') throw new Error('connection reset');
    const granted = this.granted;
    return claims.map((c) => c.id).filter((id) => granted.includes(id));
  }
}

async function kit() {
  const store = new RenewingStore();
  for (const id of ['running', 'waiting']) await store.schedule({ id, kind: 'once', handler: 'h', dueAt: id === 'running' ? t0 : t0 + 100, payload: null }, t0);
  const [running, waiting] = (await store.claimDue('n1', t0, 30_000, 10, { prefetchUntil: t0 + 1_000 })) as [ClaimedTimer, ClaimedTimer];
  let finish!: () => void;
  const held = new HeldClaims({ maxInFlight: 4, batchSize: 4, clock: () => t0, fire: () => new Promise<void>((r) => (finish = r)), roomFreed: () => undefined });
  const run = held.hold(running, false);
  void held.hold(waiting, true);
  const lost: string[] = [];
  const warnings: string[] = [];
  const log = { ...silentLogger, warn: (m: string) => void warnings.push(m) };
  const renewal = new LeaseRenewal({ store, clock: () => t0, leaseMs: 30_000, held, lost: (c) => void lost.push(c.id), log });
  const stop = async () => {
    held.takeUnfired();
    finish();
    await run;
  };
  return { store, held, renewal, lost, warnings, stop };
}

describe('LeaseRenewal', () => {
  it('keeps the claims the store still grants', async () => {
    const k = await kit();
    k.store.granted = ['running', 'waiting'];
    await k.renewal.renew();
    expect(k.held.size).toBe(2);
    expect(k.lost).toEqual([]);
    await k.stop();
  });

  it('drops a waiting claim the store no longer grants, and reports a running one lost', async () => {
    const k = await kit();
    k.store.granted = [];
    await k.renewal.renew();
    expect(k.held.claims().map((c) => c.id)).toEqual(['running']);
    expect(k.lost).toEqual(['running']);
    await k.stop();
  });

  it('logs store trouble and keeps every claim until the next renewal', async () => {
    const k = await kit();
    k.store.granted = 'fail';
    await k.renewal.renew();
    expect(k.warnings).toEqual(['scheduler could not renew its leases; retrying']);
    expect(k.held.size).toBe(2);
    await k.stop();
  });
});
