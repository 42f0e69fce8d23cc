// A fact about one call that placement rules test.

/** A fact about one call that placement rules may test, e.g. `notional: 2_500_000` or `tradingPair: 'ETH-USDC'`. */
export type CallFact = string | number | boolean;
