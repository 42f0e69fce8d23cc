// The liquidation alert's predicates: raise below a health factor of 1.1, clear only with a margin above it.
import { describe, expect, it } from 'vitest';
import type { PositionSummary } from '../positions/portfolioProjection.js';
import { liquidationRisk, liquidationRiskCleared, positionHealthFactor } from './liquidationRisk.js';

const position = (collateralUsd: number, debtUsd: number, status: PositionSummary['status'] = 'open'): PositionSummary => ({
  pair: 'ETH-USDC',
  status,
  collateralUsd,
  debtUsd,
});

describe('liquidation risk predicates', () => {
  it('computes HF = collateral · threshold / debt, null without debt', () => {
    expect(positionHealthFactor(position(10_000, 5_000), 0.8)).toBeCloseTo(1.6, 12);
    expect(positionHealthFactor(position(10_000, 0))).toBeNull();
  });

  it('raises below 1.1 and not at or above it', () => {
    expect(liquidationRisk(position(10_000, 7_500), 0.8)).toEqual({ atRisk: true, healthFactor: 10_000 * 0.8 / 7_500 });
    expect(liquidationRisk(position(11_000, 8_000), 0.8).atRisk).toBe(false);
    expect(liquidationRisk(position(13_750, 10_000), 0.8)).toEqual({ atRisk: false, healthFactor: 1.1 });
  });

  it('never raises for a closed, missing or debt-free position', () => {
    expect(liquidationRisk(position(100, 1_000, 'closed')).atRisk).toBe(false);
    expect(liquidationRisk(undefined).atRisk).toBe(false);
    expect(liquidationRisk(position(100, 0)).atRisk).toBe(false);
  });

  it('clears only once the health factor is back above 1.1 plus the margin', () => {
    expect(liquidationRiskCleared(position(13_800, 10_000), 0.8)).toBe(false);
    expect(liquidationRiskCleared(position(14_000, 10_000), 0.8)).toBe(true);
    expect(liquidationRiskCleared(position(14_000, 10_000, 'closed'), 0.8)).toBe(true);
  });
});
