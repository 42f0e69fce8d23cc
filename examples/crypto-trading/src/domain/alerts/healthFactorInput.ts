// Turns a position and its asset's latest price into the input of risk.healthFactor: the collateral marked to market.
import type { InputOf } from '@lucent/core';
import type { healthFactor } from '../risk/healthFactor.js';
import { collateralAssetOf, parametersOf, type AssetParametersTable } from '../positions/assetParameters.js';
import type { PositionSummary } from '../positions/portfolioProjection.js';

export type HealthFactorInput = InputOf<typeof healthFactor>;

/**
 * The position's collateral valued at `latestPriceUsd` (the last observed price of its asset) with
 * the asset's liquidation threshold from the table. Before any price has been observed the
 * collateral keeps the value it was deposited at, so a fresh service still has a health factor.
 */
export function healthFactorInput(
  position: Pick<PositionSummary, 'pair' | 'collateralAmount' | 'collateralUsd' | 'debtUsd'>,
  latestPriceUsd: number | undefined,
  table?: AssetParametersTable,
): HealthFactorInput {
  const asset = collateralAssetOf(position.pair);
  const amount = position.collateralAmount;
  const debtUsd = Math.max(0, position.debtUsd);
  if (!(amount > 0)) return { collateral: [], debtUsd };
  const priceUsd = latestPriceUsd ?? position.collateralUsd / amount;
  return { collateral: [{ asset, amount, priceUsd, liquidationThreshold: parametersOf(asset, table).liquidationThreshold }], debtUsd };
}
