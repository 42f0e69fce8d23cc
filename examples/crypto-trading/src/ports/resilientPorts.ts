// The exchange feed and the chain/Aave boundary behind their resilience policies (timeout, retry of transient errors, breaker, bulkhead).
import type { Resilience } from '@lucent/runtime';
import type { AaveBoundary } from './aaveBoundary.js';
import type { ExchangePriceFeed } from './exchangePriceFeed.js';

/** Dependency names, as the policies are declared and as `lucent_breaker_state{dependency}` shows them. */
export const exchangeFeedDependency = 'exchange-feed';
export const chainDependency = 'chain';

/** Quotes are reads: a dropped one is retried, and a feed that keeps failing is cut off by its breaker. */
export function resilientPriceFeed(feed: ExchangePriceFeed, resilience: Resilience): ExchangePriceFeed {
  const policy = resilience.dependency(exchangeFeedDependency);
  return {
    name: feed.name,
    quote: (asset) => policy.execute(() => feed.quote(asset)),
  };
}

/**
 * Every boundary call carries an idempotency key (the port's contract), so retrying one whose
 * reply was lost cannot reserve or submit twice. A refusal (insufficient funds) is an answer:
 * not retried, not counted against the breaker.
 */
export function resilientAaveBoundary(boundary: AaveBoundary, resilience: Resilience): AaveBoundary {
  const policy = resilience.dependency(chainDependency);
  return {
    reserveFunds: (r) => policy.execute(() => boundary.reserveFunds(r)),
    releaseFunds: (r) => policy.execute(() => boundary.releaseFunds(r)),
    submitDeposit: (r) => policy.execute(() => boundary.submitDeposit(r)),
    cancelOrder: (r) => policy.execute(() => boundary.cancelOrder(r)),
  };
}
