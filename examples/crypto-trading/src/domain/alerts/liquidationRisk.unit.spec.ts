// The liquidation alert, pure end to end: a position and a price into risk.healthFactor, then raise below 1.1 and clear above it plus a margin.
import { describe, expect, it } from 'vitest';
import { execute } from '@lucent/core';
import type { PositionSummary } from '../positions/portfolioProjection.js';
import { healthFactor } from '../risk/healthFactor.js';
import { healthFactorInput } from './healthFactorInput.js';
import { liquidationRisk, liquidationRiskCleared } from './liquidationRisk.js';

// 2 ETH deposited at 2 600 with 3 300 USD borrowed: HF = 2 · P · 0.825 / 3 300 = P / 2 000.
const position = (over: Partial<PositionSummary> = {}): PositionSummary => ({
  pair: 'ETH-USD',
  status: 'open',
  collateralAmount: 2,
  collateralUsd: 5_200,
  debtUsd: 3_300,
  ...over,
});

/** The health factor at `priceUsd` (undefined: no price observed yet), by the risk domain's function. */
async function hfAt(p: PositionSummary, priceUsd: number | undefined): Promise<number | null> {
  const { output } = await execute(healthFactor, healthFactorInput(p, priceUsd), { now: 0 });
  return output.healthFactor;
}

describe('liquidation risk at the latest price', () => {
  it('fires when a price drop takes the health factor from 1.3 to 1.05, and clears when it recovers', async () => {
    const p = position();
    const before = await hfAt(p, 2_600);
    expect(before).toBeCloseTo(1.3, 12);
    expect(liquidationRisk(p, before).atRisk).toBe(false);

    const dropped = await hfAt(p, 2_100);
    expect(dropped).toBeCloseTo(1.05, 12);
    expect(liquidationRisk(p, dropped)).toEqual({ atRisk: true, healthFactor: dropped });
    expect(liquidationRiskCleared(p, dropped)).toBe(false);

    const recovered = await hfAt(p, 2_600);
    expect(liquidationRiskCleared(p, recovered)).toBe(true);
    expect(liquidationRisk(p, recovered).atRisk).toBe(false);
  });

  it('values the collateral at its deposit price before any price is observed', async () => {
    // 5 200 · 0.825 / 3 300 = 1.3
    expect(await hfAt(position(), undefined)).toBeCloseTo(1.3, 12);
  });

  it('at the decider’s 75% limit the health factor is exactly 1.1 (no alert); only a lower price raises it', async () => {
    const atLimit = position({ collateralUsd: 6_000, debtUsd: 4_500 });
    expect(liquidationRisk(atLimit, await hfAt(atLimit, 3_000)).atRisk).toBe(false);
    expect(liquidationRisk(atLimit, await hfAt(atLimit, 2_990)).atRisk).toBe(true);
  });

  it('clears only once the health factor is back above 1.1 plus the margin', () => {
    expect(liquidationRiskCleared(position(), 1.11)).toBe(false);
    expect(liquidationRiskCleared(position(), 1.12)).toBe(true);
    expect(liquidationRiskCleared(position(), null)).toBe(true);
  });

  it('never raises for a closed, missing or debt-free position', async () => {
    expect(liquidationRisk(position({ status: 'closed' }), 0.5).atRisk).toBe(false);
    expect(liquidationRisk(undefined, 0.5).atRisk).toBe(false);
    const noDebt = position({ debtUsd: 0 });
    expect(liquidationRisk(noDebt, await hfAt(noDebt, 100))).toEqual({ atRisk: false, healthFactor: null });
  });

  it('raises at once for debt against collateral the asset table does not know', async () => {
    const unknown = position({ pair: 'DOGE-USD' });
    expect(healthFactorInput(unknown, 1).collateral[0]?.liquidationThreshold).toBe(0);
    expect(liquidationRisk(unknown, await hfAt(unknown, 1))).toEqual({ atRisk: true, healthFactor: 0 });
  });
});
