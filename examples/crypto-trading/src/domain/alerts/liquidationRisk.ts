// Pure predicates of the liquidation alert: a position's health factor from its summary, and when to raise or clear.
import { liquidationWarningLevel } from '../risk/healthFactor.js';
import type { PositionSummary } from '../positions/portfolioProjection.js';

/**
 * Liquidation threshold assumed for a pair's collateral when the position does not state one
 * (Aave V3's ETH e-mode-off threshold is 0.825; stable and BTC collateral sit near it).
 */
export const defaultLiquidationThreshold = 0.825;

/** HF = collateral · threshold / debt (Aave V3); null when there is no debt (nothing to liquidate). */
export function positionHealthFactor(position: Pick<PositionSummary, 'collateralUsd' | 'debtUsd'>, liquidationThreshold = defaultLiquidationThreshold): number | null {
  if (position.debtUsd <= 0) return null;
  return (position.collateralUsd * liquidationThreshold) / position.debtUsd;
}

export type LiquidationCheck =
  | { readonly atRisk: false; readonly healthFactor: number | null }
  | { readonly atRisk: true; readonly healthFactor: number };

/** The alert's predicate: an open position whose health factor is below the warning level (1.1). */
export function liquidationRisk(position: PositionSummary | undefined, liquidationThreshold = defaultLiquidationThreshold): LiquidationCheck {
  if (position === undefined || position.status !== 'open') return { atRisk: false, healthFactor: null };
  const healthFactor = positionHealthFactor(position, liquidationThreshold);
  if (healthFactor !== null && healthFactor < liquidationWarningLevel) return { atRisk: true, healthFactor };
  return { atRisk: false, healthFactor };
}

/**
 * The re-arm predicate: the position is safe again. A small margin above the warning level
 * keeps a health factor wobbling around 1.1 from raising an alert on every tick.
 */
export function liquidationRiskCleared(position: PositionSummary | undefined, liquidationThreshold = defaultLiquidationThreshold, margin = 0.02): boolean {
  if (position === undefined || position.status !== 'open') return true;
  const healthFactor = positionHealthFactor(position, liquidationThreshold);
  return healthFactor === null || healthFactor >= liquidationWarningLevel + margin;
}
