// Projected balances checked against hand-computed compound growth.
import { describe, expect, it } from 'vitest';
import { execute } from '@lucent/core';
import { FunctionManager } from '@lucent/runtime';
import { maxGrowthExponent, projectedBalance } from './projectedBalance.js';

const run = (input: Parameters<typeof projectedBalance.handler>[0]) => execute(projectedBalance, input, { now: 0 });

describe('yield.projectedBalance', () => {
  it('grows 10 000 at 6% APR compounded monthly for two years to 11 271.60', async () => {
    // 730 days = 2 years; 10 000 · (1 + 0.06/12)^24 = 10 000 · 1.005^24 = 10 000 · 1.127159776 = 11 271.5978
    const { output } = await run({ principal: 10_000, apr: 0.06, compounding: 12, durationDays: 730 });
    expect(output.balance).toBeCloseTo(11_271.597762, 5);
    expect(output.interest).toBeCloseTo(1_271.597762, 5);
    expect(output.periodYield).toBeCloseTo(0.1271597762, 9);
  });

  it('grows 1 000 at 10% APR compounded continuously for a year to 1 000·e^0.1', async () => {
    const { output } = await run({ principal: 1_000, apr: 0.1, compounding: 'continuous', durationDays: 365 });
    expect(output.balance).toBeCloseTo(1_105.1709180756, 8);
  });

  it('counts a half year as two quarters: 1 000 at 12% quarterly for 182.5 days is 1 000·1.03²', async () => {
    // 182.5/365 = 0.5 years; n·t = 4·0.5 = 2 quarters of 3%: 1 000 · 1.0609 = 1 060.90
    const { output } = await run({ principal: 1_000, apr: 0.12, compounding: 4, durationDays: 182.5 });
    expect(output.balance).toBeCloseTo(1_060.9, 9);
  });

  it('leaves the principal alone over zero days or at a zero rate', async () => {
    expect((await run({ principal: 500, apr: 0.2, compounding: 365, durationDays: 0 })).output.balance).toBe(500);
    expect((await run({ principal: 500, apr: 0, compounding: 365, durationDays: 90 })).output).toEqual({
      balance: 500,
      interest: 0,
      periodYield: 0,
    });
  });

  describe('at the edges of its contract', () => {
    const manager = new FunctionManager({ clock: () => 0 }).register(projectedBalance);

    it('refuses a projection whose APR × years passes 600 (10 000% for 50 years overflowed to Infinity)', async () => {
      const error = await manager
        .invoke('yield.projectedBalance', { principal: 1, apr: 100, compounding: 'continuous', durationDays: 18_250 })
        .catch((e: unknown) => e as { code: string; issues: { path: string }[] });
      expect(error).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: 'durationDays' }] });
    });

    it('answers a finite balance for the largest principal at the largest growth allowed', async () => {
      // APR 100 for 6 years = 2 190 days: e^600 · 10^15 ≈ 3.8·10^275
      const { output } = await manager.invoke('yield.projectedBalance', {
        principal: 1e15,
        apr: 100,
        compounding: 'continuous',
        durationDays: (maxGrowthExponent / 100) * 365,
      });
      expect((output as { balance: number }).balance / (1e15 * Math.exp(600))).toBeCloseTo(1, 9);
    });
  });
});
