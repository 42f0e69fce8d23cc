// YieldFunctionManager: values a position's collateral at its latest price and projects what it earns with the yield functions.
import { LucentServiceBase, type EventStore, type Invoker, type ServiceCallOptions } from '@lucent/runtime';
import type { Logger } from '@lucent/core';
import type { Compounding } from '../domain/yield/compounding.js';
import type { FunctionRegistry } from '../registry/functionRegistry.js';
import { readPositionNow } from './positionReader.js';

/** Supply rate a position's collateral earns, by asset. */
export interface YieldRate {
  readonly apr: number;
  readonly compounding: Compounding;
}

/** Illustrative supply rates; a deployment passes live ones (an oracle feed, a protocol's API) instead. */
export const defaultYieldRates: Readonly<Record<string, YieldRate>> = {
  ETH: { apr: 0.021, compounding: 31_536_000 },
  WBTC: { apr: 0.004, compounding: 31_536_000 },
  USDC: { apr: 0.052, compounding: 31_536_000 },
};

/** What `principalUsd` of `asset` earns at its supply rate. */
export interface YieldEstimate {
  readonly asset: string;
  readonly principalUsd: number;
  readonly apr: number;
  readonly apy: number;
  /** Projected balance by horizon in days. */
  readonly balances: Readonly<Record<number, number>>;
}

/** A position's estimate, as GET /yield/positions/:id answers. */
export interface PositionYield extends YieldEstimate {
  readonly positionId: string;
  readonly owner: string;
  /** The collateral price the principal was valued at: its latest observation, else the deposit price. */
  readonly priceUsd: number;
}

export interface YieldFunctionManagerOptions {
  readonly functions: Invoker;
  /** Where positions and prices are read. */
  readonly events: EventStore;
  readonly logger?: Logger;
  readonly rates?: Readonly<Record<string, YieldRate>>;
  /** Horizons projected, in days (default 30 and 365). */
  readonly horizonsDays?: readonly number[];
}

export class YieldFunctionManager extends LucentServiceBase<FunctionRegistry> {
  readonly horizons: readonly number[];
  private readonly events: EventStore;
  private readonly rates: Readonly<Record<string, YieldRate>>;

  constructor(options: YieldFunctionManagerOptions) {
    super({ invoker: options.functions, ...(options.logger !== undefined && { logger: options.logger }) }, 'yield');
    this.events = options.events;
    this.rates = options.rates ?? defaultYieldRates;
    this.horizons = options.horizonsDays ?? [30, 365];
  }

  /** The supply rate of `asset`; undefined when the service knows none. */
  rateOf(asset: string): YieldRate | undefined {
    return this.rates[asset];
  }

  /** APY and projected balances of `principalUsd` of `asset`; undefined without a rate for it. */
  async estimate(asset: string, principalUsd: number, options: Pick<ServiceCallOptions, 'now'> = {}): Promise<YieldEstimate | undefined> {
    const rate = this.rateOf(asset);
    if (rate === undefined) return undefined;
    const { output } = await this.call('yield.aprToApy', { apr: rate.apr, compoundsPerYear: rate.compounding }, options);
    const balances: Record<number, number> = {};
    for (const days of this.horizons) {
      const projected = await this.call('yield.projectedBalance', { principal: principalUsd, apr: rate.apr, compounding: rate.compounding, durationDays: days }, options);
      balances[days] = projected.output.balance;
    }
    return { asset, principalUsd, apr: rate.apr, apy: output.apy, balances };
  }

  /** What a position's collateral, at its latest price, earns; undefined for an unknown position or an asset without a rate. */
  async positionYield(positionId: string): Promise<PositionYield | undefined> {
    const now = await readPositionNow(this.events, positionId);
    if (now === undefined) return undefined;
    const { collateralAmount, collateralUsd } = now.position;
    const priceUsd = now.latestPriceUsd ?? (collateralAmount > 0 ? collateralUsd / collateralAmount : 0);
    const estimate = await this.estimate(now.collateralAsset, collateralAmount * priceUsd);
    return estimate === undefined ? undefined : { ...estimate, positionId, owner: now.owner, priceUsd };
  }
}
