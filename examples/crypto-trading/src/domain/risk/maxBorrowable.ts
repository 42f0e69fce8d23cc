// risk.maxBorrowable: how much more a position may borrow given each collateral's loan-to-value limit.
import { z } from 'zod';
import { defineFunction } from '@lucent/core';
import { assetAmount, positivePrice, price, share, usdAmount } from '../bounds.js';
import { Asset } from './collateral.js';
import { collateralSums } from './collateralSums.js';

/*
 * Aave's borrowing power is Σ value_i · LTV_i, and what is still available is that minus the
 * current debt, never below 0 (Aave V3 Technical Paper; GenericLogic.calculateAvailableBorrows).
 * LTV (the borrowing limit) sits below the liquidation threshold, so a fresh maximum loan is
 * not immediately liquidatable.
 * Amounts and prices are 0 or at least 10^-18 and 10^-12 (bounds.ts), so a collateral value that is
 * not 0 is at least 10^-30 USD and the current LTV at most 10^15 / 10^-30 = 10^45: finite.
 */
export const maxBorrowable = defineFunction(
  {
    name: 'risk.maxBorrowable',
    version: '1.1.0',
    description: 'Borrowing power Σ value·LTV minus current debt',
    shardAffinity: ['aave'],
    priority: 'normal',
    timeoutMs: 250,
    resources: { cpu: 1, memory: 1 },
    tags: ['risk', 'aave', 'lending'],
    input: z.object({
      collateral: z.array(z.object({ asset: Asset, amount: assetAmount, priceUsd: price, ltv: share })).max(100),
      debtUsd: usdAmount,
      /** Price of the asset to borrow, to express the answer in its units too. */
      borrowAssetPriceUsd: positivePrice.optional(),
    }),
    output: z.object({
      collateralUsd: z.number(),
      borrowingPowerUsd: z.number(),
      availableUsd: z.number(),
      availableUnits: z.number().nullable(),
      /** Debt over collateral value; null without collateral. */
      currentLtv: z.number().nullable(),
    }),
  },
  ({ collateral, debtUsd, borrowAssetPriceUsd }) => {
    const { collateralUsd, weightedUsd: borrowingPowerUsd } = collateralSums(collateral, (c) => c.ltv);
    const availableUsd = Math.max(0, borrowingPowerUsd - debtUsd);
    return {
      collateralUsd,
      borrowingPowerUsd,
      availableUsd,
      availableUnits: borrowAssetPriceUsd === undefined ? null : availableUsd / borrowAssetPriceUsd,
      currentLtv: collateralUsd > 0 ? debtUsd / collateralUsd : null,
    };
  },
);
