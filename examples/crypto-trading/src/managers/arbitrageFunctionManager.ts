// ArbitrageFunctionManager: prices every buy-here/sell-there pair of venue quotes with arbitrage.crossVenueSpread and records the best.
import { LucentServiceBase, type EventStore, type Invoker } from '@lucent/runtime';
import type { Logger } from '@lucent/core';
import type { FunctionRegistry } from '../registry/functionRegistry.js';
import { readLatestPrice } from './priceOracle.js';

/** One venue's top of book for the asset. */
export interface VenueQuote {
  readonly venue: string;
  /** Best bid: what the venue pays for one unit. */
  readonly bid: number;
  /** Best ask: what one unit costs there. */
  readonly ask: number;
  readonly takerFeeRate: number;
}

export interface ArbitrageScanRequest {
  readonly asset: string;
  readonly quantity: number;
  readonly quotes: readonly VenueQuote[];
}

export interface ArbitrageOpportunity {
  readonly buyVenue: string;
  readonly sellVenue: string;
  readonly netProfit: number;
  readonly netReturn: number;
  readonly buyCost: number;
  readonly sellProceeds: number;
}

export interface ArbitrageScan {
  readonly asset: string;
  readonly quantity: number;
  /** Venue pairs priced. */
  readonly evaluated: number;
  /** Profitable pairs, best net profit first. */
  readonly opportunities: readonly ArbitrageOpportunity[];
  /** The service's latest recorded price of the asset, for comparison; null before its first observation. */
  readonly referencePriceUsd: number | null;
  /** Global position of the recorded best opportunity; null when none was found. */
  readonly recordedAt: number | null;
}

/** The stream holding an asset's recorded opportunities. */
export const arbitrageStream = (asset: string): string => `arbitrage-${asset}`;

export interface ArbitrageFunctionManagerOptions {
  readonly functions: Invoker;
  /** Where the best opportunity of a scan is recorded, and the reference price read. */
  readonly events: EventStore;
  readonly logger?: Logger;
}

export class ArbitrageFunctionManager extends LucentServiceBase<FunctionRegistry> {
  private readonly events: EventStore;

  constructor(options: ArbitrageFunctionManagerOptions) {
    super({ invoker: options.functions, events: options.events, ...(options.logger !== undefined && { logger: options.logger }) }, 'arbitrage');
    this.events = options.events;
  }

  /**
   * Price buying `quantity` at one venue's ask and selling it at another's bid, for every ordered
   * pair; the best profitable one is recorded as ArbitrageOpportunityFound with the caller's ids.
   */
  async scan(request: ArbitrageScanRequest): Promise<ArbitrageScan> {
    const opportunities: ArbitrageOpportunity[] = [];
    let evaluated = 0;
    for (const buy of request.quotes) {
      for (const sell of request.quotes) {
        if (buy.venue === sell.venue) continue;
        evaluated++;
        const { output } = await this.call('arbitrage.crossVenueSpread', {
          buy: { venue: buy.venue, price: buy.ask, takerFeeRate: buy.takerFeeRate },
          sell: { venue: sell.venue, price: sell.bid, takerFeeRate: sell.takerFeeRate },
          quantity: request.quantity,
        });
        if (!output.profitable) continue;
        const { netProfit, netReturn, buyCost, sellProceeds } = output;
        opportunities.push({ buyVenue: buy.venue, sellVenue: sell.venue, netProfit, netReturn, buyCost, sellProceeds });
      }
    }
    opportunities.sort((a, b) => b.netProfit - a.netProfit);
    const best = opportunities[0];
    const recorded = best === undefined
      ? undefined
      : await this.publish(arbitrageStream(request.asset), [{ type: 'ArbitrageOpportunityFound', data: { asset: request.asset, quantity: request.quantity, ...best } }]);
    const reference = await readLatestPrice(this.events, request.asset);
    return {
      asset: request.asset,
      quantity: request.quantity,
      evaluated,
      opportunities,
      referencePriceUsd: reference?.observation.priceUsd ?? null,
      recordedAt: recorded?.lastGlobalPosition ?? null,
    };
  }
}
