// risk.liquidationPrice: the price of one collateral asset at which the position's health factor reaches 1.
import { z } from 'zod';
import { defineFunction } from '@lucent/core';
import { positiveAssetAmount, positivePrice, positiveShare, usdAmount } from '../bounds.js';
import { Asset } from './collateral.js';

/*
 * Setting the Aave health factor (Aave V3 Technical Paper; Aave docs "Health Factor") to 1 with
 * every other input fixed:
 *   (amount · P · LT + otherRiskAdjustedCollateral) / debt = 1
 *   P_liq = (debt − otherRiskAdjustedCollateral) / (amount · LT)
 * When the other collateral alone covers the debt no price of this asset liquidates the
 * position, and the result is null. The divisors have minimums (bounds.ts: one wei of the asset,
 * a threshold of one basis point, a price of 10^-12), so the price is at most
 * 10^15 / (10^-18 · 10^-4) = 10^37 and the drop at least 1 − 10^37 / 10^-12: finite.
 */
export const liquidationPrice = defineFunction(
  {
    name: 'risk.liquidationPrice',
    version: '1.1.0',
    description: 'Price of a collateral asset at which the health factor falls to 1',
    shardAffinity: ['aave'],
    priority: 'high',
    timeoutMs: 250,
    resources: { cpu: 1, memory: 1 },
    tags: ['risk', 'aave', 'lending'],
    input: z.object({
      asset: Asset,
      amount: positiveAssetAmount,
      priceUsd: positivePrice,
      liquidationThreshold: positiveShare,
      debtUsd: usdAmount,
      /** Σ value·LT of the position's other collateral, which does not move with this asset. */
      otherRiskAdjustedCollateralUsd: usdAmount.optional(),
    }),
    output: z.object({
      asset: z.string(),
      liquidationPriceUsd: z.number().nullable(),
      /** Fall from the current price that triggers liquidation (0.4 = 40%); negative when already below. */
      dropToLiquidation: z.number().nullable(),
    }),
  },
  ({ asset, amount, priceUsd, liquidationThreshold, debtUsd, otherRiskAdjustedCollateralUsd = 0 }) => {
    const uncovered = debtUsd - otherRiskAdjustedCollateralUsd;
    if (uncovered <= 0) return { asset, liquidationPriceUsd: null, dropToLiquidation: null };
    const liquidationPriceUsd = uncovered / (amount * liquidationThreshold);
    return { asset, liquidationPriceUsd, dropToLiquidation: 1 - liquidationPriceUsd / priceUsd };
  },
);
