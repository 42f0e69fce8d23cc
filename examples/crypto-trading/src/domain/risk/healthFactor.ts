// risk.healthFactor: an Aave-style health factor over several collaterals; raises a liquidation-risk event below 1.1.
import { z } from 'zod';
import { defineFunction } from '@lucent/core';
import { assetAmount, price, share, usdAmount } from '../bounds.js';
import { Asset } from './collateral.js';
import { collateralSums } from './collateralSums.js';

/** Below this health factor the position is flagged: close enough to 1 that a normal day's move can liquidate it. */
export const liquidationWarningLevel = 1.1;

export interface LiquidationRiskRaised {
  readonly type: 'LiquidationRiskRaised';
  readonly data: {
    readonly healthFactor: number;
    readonly debtUsd: number;
    readonly riskAdjustedCollateralUsd: number;
    readonly accountId: string | null;
    readonly at: number;
  };
}

/*
 * HF = Σ (amount_i · price_i · liquidationThreshold_i) / total debt, all in the same base currency;
 * a position can be liquidated once HF < 1. Source: Aave V3 Technical Paper (2022) and the Aave docs
 * "Health Factor" (computed on chain by GenericLogic.calculateUserAccountData). With no debt Aave
 * reports the maximum uint256; here the health factor is null and the status 'noDebt'.
 * A debt is 0 or at least 10^-18 USD (bounds.ts), so the quotient is finite: at most
 * 100 · 10^15 · 10^12 / 10^-18 = 10^47.
 */
export const healthFactor = defineFunction(
  {
    name: 'risk.healthFactor',
    version: '1.1.0',
    description: 'Aave-style health factor: Σ collateral·price·liquidation threshold / debt',
    shardAffinity: ['aave'],
    priority: 'high',
    // A budget, not the expected latency (microseconds): the first call also pays for compiling the contract.
    timeoutMs: 250,
    resources: { cpu: 1, memory: 1 },
    tags: ['risk', 'aave', 'lending'],
    input: z.object({
      collateral: z
        .array(z.object({ asset: Asset, amount: assetAmount, priceUsd: price, liquidationThreshold: share }))
        .max(100),
      debtUsd: usdAmount,
    }),
    output: z.object({
      healthFactor: z.number().nullable(),
      status: z.enum(['noDebt', 'safe', 'atRisk', 'liquidatable']),
      collateralUsd: z.number(),
      riskAdjustedCollateralUsd: z.number(),
      debtUsd: z.number(),
    }),
  },
  ({ collateral, debtUsd }, ctx) => {
    const { collateralUsd, weightedUsd: riskAdjustedCollateralUsd } = collateralSums(collateral, (c) => c.liquidationThreshold);
    const base = { collateralUsd, riskAdjustedCollateralUsd, debtUsd };
    if (debtUsd === 0) return { healthFactor: null, status: 'noDebt' as const, ...base };
    const hf = riskAdjustedCollateralUsd / debtUsd;
    if (hf < liquidationWarningLevel) {
      const event: LiquidationRiskRaised = {
        type: 'LiquidationRiskRaised',
        data: { healthFactor: hf, debtUsd, riskAdjustedCollateralUsd, accountId: ctx.business.accountId ?? null, at: ctx.now() },
      };
      ctx.emit(event);
    }
    const status = hf < 1 ? ('liquidatable' as const) : hf < liquidationWarningLevel ? ('atRisk' as const) : ('safe' as const);
    return { healthFactor: hf, status, ...base };
  },
);
