// SimulatedExchangeFeed: the deterministic exchange, the service's embedded default and the tests' twin.
import { LucentError } from '@lucent/core';
import type { ExchangePriceFeed, ExchangeQuote } from './exchangePriceFeed.js';

export interface SimulatedExchangeFeedOptions {
  /** Prices by asset (default ETH 3,000 and BTC 60,000). */
  readonly prices?: Readonly<Record<string, number>>;
  /** Stamps each quote (default Date.now). */
  readonly clock?: () => number;
}

/** Fixed prices, set by a test or an operator, stamped with its clock: it never moves a price on its own. */
export class SimulatedExchangeFeed implements ExchangePriceFeed {
  readonly name = 'simulated-exchange';
  private readonly prices: Map<string, number>;
  private readonly clock: () => number;

  constructor(options: SimulatedExchangeFeedOptions = {}) {
    this.prices = new Map(Object.entries(options.prices ?? { ETH: 3_000, BTC: 60_000 }));
    this.clock = options.clock ?? Date.now;
  }

  set(asset: string, priceUsd: number): void {
    this.prices.set(asset, priceUsd);
  }

  async quote(asset: string): Promise<ExchangeQuote> {
    const priceUsd = this.prices.get(asset);
    if (priceUsd === undefined) throw new LucentError('UNAVAILABLE', `The exchange quotes no ${asset} price`, { asset });
    return { priceUsd, observedAt: this.clock() };
  }
}
