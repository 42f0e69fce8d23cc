// The ExchangePriceFeed port: the exchange's price API, the service's one outside boundary for prices.

/** A price as the exchange reports it. */
export interface ExchangeQuote {
  readonly priceUsd: number;
  /** When the exchange saw it (epoch ms). */
  readonly observedAt: number;
}

/** An asset it does not quote is a LucentError UNAVAILABLE naming the asset; so is an exchange that does not answer. */
export interface ExchangePriceFeed {
  /** Stored as the `source` of each observation it gives. */
  readonly name: string;
  quote(asset: string): Promise<ExchangeQuote>;
}
