// Parametric value-at-risk, checked against hand-computed variance–covariance results.
import { describe, expect, it } from 'vitest';
import { execute } from '@lucent/core';
import { FunctionManager } from '@lucent/runtime';
import { valueAtRisk } from './valueAtRisk.js';

type Input = Parameters<typeof valueAtRisk.handler>[0];
const run = async (input: Input) => (await execute(valueAtRisk, input, { now: 0 })).output;
const btc = { asset: 'BTC', valueUsd: 1_000_000, dailyVolatility: 0.03 };
const eth = { asset: 'ETH', valueUsd: 500_000, dailyVolatility: 0.04 };
const pair = (rho: number) => [
  [1, rho],
  [rho, 1],
];

describe('risk.valueAtRisk', () => {
  it('is z · value · σ for one position: 1M at 2% daily, 95%, 1 day = 32 897', async () => {
    // 1.6448536270 · 1 000 000 · 0.02 = 32 897.07
    const out = await run({ positions: [{ asset: 'ETH', valueUsd: 1_000_000, dailyVolatility: 0.02 }], confidence: 0.95, horizonDays: 1 });
    expect(out.valueAtRiskUsd).toBeCloseTo(32_897.0725, 3);
    expect(out.zScore).toBeCloseTo(1.644853627, 8);
  });

  it('combines two correlated positions over ten days at 99%', async () => {
    // σ_p² = 30 000² + 20 000² + 2 · 0.6 · 30 000 · 20 000 = 9e8 + 4e8 + 7.2e8 = 2.02e9 → σ_p = 44 944.41
    // VaR = 2.3263478740 · 44 944.41 · √10 = 2.3263478740 · 44 944.41 · 3.16227766 = 330 636.16
    const out = await run({ positions: [btc, eth], correlation: pair(0.6), confidence: 0.99, horizonDays: 10 });
    expect(out.dailyVolatilityUsd).toBeCloseTo(44_944.4101, 3);
    expect(out.valueAtRiskUsd).toBeCloseTo(330_636.156, 2);
    expect(out.portfolioValueUsd).toBe(1_500_000);
  });

  it('adds risks when perfectly correlated and nets them when perfectly hedged', async () => {
    // ρ = 1: σ_p = 30 000 + 20 000 = 50 000;  ρ = −1: σ_p = 30 000 − 20 000 = 10 000
    expect((await run({ positions: [btc, eth], correlation: pair(1), confidence: 0.99, horizonDays: 1 })).dailyVolatilityUsd).toBeCloseTo(50_000, 6);
    expect((await run({ positions: [btc, eth], correlation: pair(-1), confidence: 0.99, horizonDays: 1 })).dailyVolatilityUsd).toBeCloseTo(10_000, 6);
  });

  it('keeps the volatility of exposures whose squares underflow, and nets their perfect hedge to 0', async () => {
    // Exposures of ±10^-170 USD: their products (10^-340) are below the smallest double.
    const tiny = (valueUsd: number) => ({ asset: 'X', valueUsd, dailyVolatility: 1 });
    const out = await run({ positions: [tiny(1e-170), tiny(1e-170)], correlation: pair(-1), confidence: 0.99, horizonDays: 1 });
    expect(out.dailyVolatilityUsd).toBe(0);
    const alone = await run({ positions: [tiny(3e-170), tiny(-1e-170)], correlation: pair(0), confidence: 0.99, horizonDays: 1 });
    expect(alone.dailyVolatilityUsd / 1e-170).toBeCloseTo(Math.sqrt(10), 12);
  });

  it('scales with the square root of the horizon', async () => {
    const input: Input = { positions: [btc, eth], correlation: pair(0.3), confidence: 0.975, horizonDays: 1 };
    const oneDay = await run(input);
    const quarter = await run({ ...input, horizonDays: 64 });
    expect(quarter.valueAtRiskUsd / oneDay.valueAtRiskUsd).toBeCloseTo(8, 12);
  });

  describe('contract', () => {
    const manager = new FunctionManager({ clock: () => 0 }).register(valueAtRisk);
    const refusal = (input: unknown) => manager.invoke('risk.valueAtRisk', input).then(() => undefined, (e: unknown) => e as { code: string; issues?: { path: string }[] });

    it('requires a correlation matrix for several positions', async () => {
      const error = await refusal({ positions: [btc, eth], confidence: 0.99, horizonDays: 1 });
      expect(error).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: 'correlation' }] });
    });

    it('names the entry that breaks symmetry', async () => {
      const error = await refusal({ positions: [btc, eth], correlation: [[1, 0.5], [0.4, 1]], confidence: 0.99, horizonDays: 1 });
      expect(error?.issues?.map((i) => i.path)).toEqual(['correlation.1.0']);
    });

    it('refuses a confidence level of 100%', async () => {
      const error = await refusal({ positions: [btc], confidence: 1, horizonDays: 1 });
      expect(error?.issues?.map((i) => i.path)).toEqual(['confidence']);
    });

    it('refuses a matrix that is not a correlation matrix when it makes the variance negative', async () => {
      // ρ12 = ρ13 = 0.9, ρ23 = −0.9 is not positive semi-definite; exposures (+1, −1, −1)·10 000 give
      // σ² = 3·10^8 + 2·(−0.9 − 0.9 − 0.9)·10^8 = −2.4·10^8.
      const p = (asset: string, sign: number) => ({ asset, valueUsd: sign * 1_000_000, dailyVolatility: 0.01 });
      const error = await refusal({
        positions: [p('A', 1), p('B', -1), p('C', -1)],
        correlation: [
          [1, 0.9, 0.9],
          [0.9, 1, -0.9],
          [0.9, -0.9, 1],
        ],
        confidence: 0.99,
        horizonDays: 1,
      });
      expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'risk.correlationNotPositiveSemiDefinite' } });
    });
  });
});
