// Pure predicates of the liquidation alert: raise below a health factor of 1.1, clear only with a margin above it.
import { liquidationWarningLevel } from '../risk/healthFactor.js';
import type { PositionSummary } from '../positions/portfolioProjection.js';

export type LiquidationCheck =
  | { readonly atRisk: false; readonly healthFactor: number | null }
  | { readonly atRisk: true; readonly healthFactor: number };

/**
 * The alert's predicate over the health factor risk.healthFactor computed for the position
 * (null without debt): an open position below the warning level (1.1).
 */
export function liquidationRisk(position: Pick<PositionSummary, 'status'> | undefined, healthFactor: number | null): LiquidationCheck {
  if (position === undefined || position.status !== 'open') return { atRisk: false, healthFactor: null };
  if (healthFactor !== null && healthFactor < liquidationWarningLevel) return { atRisk: true, healthFactor };
  return { atRisk: false, healthFactor };
}

/**
 * The re-arm predicate: the position is safe again. A small margin above the warning level
 * keeps a health factor wobbling around 1.1 from raising an alert on every tick.
 */
export function liquidationRiskCleared(position: Pick<PositionSummary, 'status'> | undefined, healthFactor: number | null, margin = 0.02): boolean {
  if (position === undefined || position.status !== 'open') return true;
  return healthFactor === null || healthFactor >= liquidationWarningLevel + margin;
}
