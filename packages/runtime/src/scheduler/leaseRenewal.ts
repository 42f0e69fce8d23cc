// Lease renewal: while this node lives it renews the claims it holds; a claim the store no longer grants is dropped or reported lost.
import type { Logger } from '@lucent/core';
import type { HeldClaims } from './heldClaims.js';
import type { ClaimedTimer, TimerStore } from './timerStore.js';

export interface LeaseRenewalOptions {
  readonly store: TimerStore;
  readonly clock: () => number;
  readonly leaseMs: number;
  readonly held: HeldClaims;
  /** Told of a running claim whose lease the store no longer grants. */
  readonly lost: (claim: ClaimedTimer) => void;
  readonly log: Logger;
}

export class LeaseRenewal {
  private renewal: NodeJS.Timeout | undefined;
  private renewing = false;

  constructor(private readonly options: LeaseRenewalOptions) {}

  /**
   * Renew every third of a lease. A handler running longer than its lease keeps its claim while
   * this node lives; a node that dies stops renewing, and its timers go to another node once the lease lapses.
   */
  start(): void {
    this.renewal = setInterval(() => void this.renew(), Math.max(50, Math.floor(this.options.leaseMs / 3)));
    this.renewal.unref();
  }

  stop(): void {
    if (this.renewal) clearInterval(this.renewal);
    this.renewal = undefined;
  }

  /** One renewal of every held claim; skipped while one is on its way. Store trouble is logged and retried next time. */
  async renew(): Promise<void> {
    const { held, store } = this.options;
    if (this.renewing || held.size === 0) return;
    this.renewing = true;
    try {
      const claims = held.claims();
      const kept = new Set(await store.renew(claims, this.options.clock(), this.options.leaseMs));
      for (const claim of claims) {
        if (kept.has(claim.id)) continue;
        if (held.isRunning(claim.claimToken)) this.options.lost(claim);
        else held.drop((c) => c.claimToken === claim.claimToken);
      }
    } catch (error) {
      this.options.log.warn('scheduler could not renew its leases; retrying', { error: String(error) });
    } finally {
      this.renewing = false;
    }
  }
}
