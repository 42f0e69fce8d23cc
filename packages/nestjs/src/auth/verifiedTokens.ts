// Bearer tokens already verified under one key, kept until they expire: a client sends the same token with every request, and checking its signature again each time was the largest cost of a gateway's request.
import type { JWTPayload } from 'jose';

interface Verified {
  readonly payload: JWTPayload;
  /** The token's `exp`, seconds. */
  readonly expSec: number;
  /** The checks it passed (issuer, audience, lifetime): a hit counts only for the same ones. */
  readonly options: object;
}

/**
 * A bounded map from token text to the claims it was verified with. Only a token that passed every
 * check is stored, and a hit still checks expiry against the clock, so an entry never outlives
 * what a full verification would accept. The key is fixed for the life of the cache (keys are
 * resolved once at start-up), so a signature verified once stays verified. Oldest entries go first.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, Verified>();

  constructor(private readonly capacity = 10_000) {}

  /** The claims of `token` if it was verified under `options` and has not expired at `nowSec` (with `skewSec` of tolerance). */
  get(token: string, options: object, nowSec: number, skewSec: number): JWTPayload | undefined {
    const hit = this.entries.get(token);
    if (hit === undefined || hit.options !== options) return undefined;
    if (hit.expSec <= nowSec - skewSec) {
      this.entries.delete(token);
      return undefined;
    }
    return hit.payload;
  }

  /** Remember a token that passed every check. */
  set(token: string, options: object, payload: JWTPayload): void {
    if (typeof payload.exp !== 'number') return;
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(token, { payload, expSec: payload.exp, options });
  }

  get size(): number {
    return this.entries.size;
  }
}
