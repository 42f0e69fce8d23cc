// RiskFunctionManager: gathers a position and its collateral's latest price, then runs the risk functions on them.
import { LucentServiceBase, type EventStore, type Invoker } from '@lucent/runtime';
import type { Logger } from '@lucent/core';
import { healthFactorInput } from '../domain/alerts/healthFactorInput.js';
import { parametersOf, type AssetParametersTable } from '../domain/positions/assetParameters.js';
import type { PositionSummary } from '../domain/positions/portfolioProjection.js';
import type { FunctionRegistry } from '../registry/functionRegistry.js';
import { readPositionNow } from './positionReader.js';

/** A position's health now, as GET /positions/:id/risk answers. */
export interface PositionRisk {
  readonly positionId: string;
  readonly owner: string;
  readonly pair: string;
  readonly collateralAsset: string;
  /** The price the collateral was valued at: its latest observation, else the deposit price; null without collateral. */
  readonly priceUsd: number | null;
  readonly collateralUsd: number;
  readonly debtUsd: number;
  /** Null without debt. */
  readonly healthFactor: number | null;
  readonly status: 'noDebt' | 'safe' | 'atRisk' | 'liquidatable';
  /** The collateral price at which the health factor reaches 1; null without debt or collateral. */
  readonly liquidationPriceUsd: number | null;
  /** The fall from `priceUsd` to it (0.4 = 40%); negative when already below. */
  readonly dropToLiquidation: number | null;
}

/** What the liquidation alerts need: the position and its health factor at the latest price. */
export interface Assessment {
  readonly position: PositionSummary;
  readonly healthFactor: number | null;
  readonly priceUsd: number | null;
}

export interface RiskFunctionManagerOptions {
  readonly functions: Invoker;
  /** Where positions and prices are read. */
  readonly events: EventStore;
  readonly logger?: Logger;
  /** Overrides of the asset-parameters table (a desk's stricter thresholds). */
  readonly assetParameters?: AssetParametersTable;
}

export class RiskFunctionManager extends LucentServiceBase<FunctionRegistry> {
  private readonly events: EventStore;
  private readonly table: AssetParametersTable | undefined;

  constructor(options: RiskFunctionManagerOptions) {
    super({ invoker: options.functions, ...(options.logger !== undefined && { logger: options.logger }) }, 'risk');
    this.events = options.events;
    this.table = options.assetParameters;
  }

  /** The position and its health factor at its collateral's latest price; undefined for one never opened. */
  async assess(positionId: string): Promise<Assessment | undefined> {
    const now = await readPositionNow(this.events, positionId);
    if (now === undefined) return undefined;
    const input = healthFactorInput(now.position, now.latestPriceUsd, this.table);
    const { output } = await this.call('risk.healthFactor', input);
    return { position: now.position, healthFactor: output.healthFactor, priceUsd: input.collateral[0]?.priceUsd ?? null };
  }

  /** Health factor, status and liquidation price of a position now; undefined for one never opened. */
  async positionRisk(positionId: string): Promise<PositionRisk | undefined> {
    const now = await readPositionNow(this.events, positionId);
    if (now === undefined) return undefined;
    const input = healthFactorInput(now.position, now.latestPriceUsd, this.table);
    const { output: health } = await this.call('risk.healthFactor', input);
    const collateral = input.collateral[0];
    const threshold = parametersOf(now.collateralAsset, this.table).liquidationThreshold;
    const liquidation =
      collateral !== undefined && collateral.amount > 0 && collateral.priceUsd > 0 && threshold > 0 && input.debtUsd > 0
        ? (await this.call('risk.liquidationPrice', { asset: collateral.asset, amount: collateral.amount, priceUsd: collateral.priceUsd, liquidationThreshold: threshold, debtUsd: input.debtUsd })).output
        : { liquidationPriceUsd: null, dropToLiquidation: null };
    return {
      positionId,
      owner: now.owner,
      pair: now.position.pair,
      collateralAsset: now.collateralAsset,
      priceUsd: collateral?.priceUsd ?? null,
      collateralUsd: health.collateralUsd,
      debtUsd: health.debtUsd,
      healthFactor: health.healthFactor,
      status: health.status,
      liquidationPriceUsd: liquidation.liquidationPriceUsd,
      dropToLiquidation: liquidation.dropToLiquidation,
    };
  }
}
