// risk.valueAtRisk: parametric (variance–covariance) value-at-risk of a portfolio for a confidence level and horizon.
import { z } from 'zod';
import { RuleViolationError, defineFunction } from '@lucent/core';
import { Asset } from './collateral.js';
import { inverseNormalCdf } from './inverseNormalCdf.js';

const maxPositions = 50;

const Position = z.object({
  asset: Asset,
  /** Signed exposure in USD: negative for a short. */
  valueUsd: z.number().finite().min(-1e15).max(1e15),
  /** Standard deviation of daily returns, e.g. 0.03 for 3%. */
  dailyVolatility: z.number().finite().min(0).max(10),
});

const Input = z
  .object({
    positions: z.array(Position).min(1).max(maxPositions),
    /** Correlations of daily returns, in the order of `positions`; needed when there are several. */
    correlation: z.array(z.array(z.number().finite().min(-1).max(1)).max(maxPositions)).max(maxPositions).optional(),
    /** One-sided confidence, e.g. 0.99. */
    confidence: z.number().gt(0.5).lt(1),
    horizonDays: z.number().finite().positive().max(365),
  })
  .superRefine((input, issues) => {
    const n = input.positions.length;
    const rho = input.correlation;
    if (rho === undefined) {
      if (n > 1) issues.addIssue({ code: 'custom', path: ['correlation'], message: `a ${n}×${n} correlation matrix is required` });
      return;
    }
    if (rho.length !== n) {
      issues.addIssue({ code: 'custom', path: ['correlation'], message: `must have ${n} rows, one per position` });
      return;
    }
    rho.forEach((row, i) => {
      if (row.length !== n) {
        issues.addIssue({ code: 'custom', path: ['correlation', i], message: `row must have ${n} entries` });
        return;
      }
      if (row[i] !== 1) issues.addIssue({ code: 'custom', path: ['correlation', i, i], message: 'diagonal must be 1' });
      row.forEach((value, j) => {
        if (j > i && rho[j]?.[i] !== value) {
          issues.addIssue({ code: 'custom', path: ['correlation', j, i], message: `must equal correlation[${i}][${j}] (symmetric)` });
        }
      });
    });
  });

/*
 * Parametric VaR under normally distributed, zero-mean returns (RiskMetrics Technical Document,
 * J.P. Morgan/Reuters 1996; P. Jorion, "Value at Risk", ch. "VaR methods"):
 *   σ_p² = Σ_i Σ_j w_i w_j σ_i σ_j ρ_ij      (w in USD, σ daily)
 *   VaR  = Φ⁻¹(c) · σ_p · √h                  (square-root-of-time scaling to h days)
 * Φ⁻¹ is Acklam's rational approximation (inverseNormalCdf.ts).
 * The double sum runs on the exposures divided by the largest one (each in [−1, 1]) and σ_p is
 * scaled back by it: squares of exposures below 10^-154 would underflow to 0, and rounding could
 * then make a perfectly hedged portfolio's variance look negative.
 */
export const valueAtRisk = defineFunction(
  {
    name: 'risk.valueAtRisk',
    version: '1.1.0',
    description: 'Parametric (variance–covariance) VaR: z(c) · σ_portfolio · √horizon',
    shardAffinity: ['risk'],
    priority: 'normal',
    timeoutMs: 1_000,
    resources: { cpu: 2, memory: 1 },
    tags: ['risk', 'var', 'portfolio'],
    input: Input,
    output: z.object({
      valueAtRiskUsd: z.number(),
      portfolioValueUsd: z.number(),
      dailyVolatilityUsd: z.number(),
      zScore: z.number(),
    }),
  },
  ({ positions, correlation, confidence, horizonDays }) => {
    const raw = positions.map((p) => p.valueUsd * p.dailyVolatility);
    const largest = raw.reduce((m, e) => Math.max(m, Math.abs(e)), 0);
    const exposure = largest === 0 ? raw : raw.map((e) => e / largest);
    let variance = 0;
    for (let i = 0; i < exposure.length; i++) {
      for (let j = 0; j < exposure.length; j++) {
        const rho = i === j ? 1 : (correlation?.[i]?.[j] ?? 0);
        variance += exposure[i]! * exposure[j]! * rho;
      }
    }
    // Only a matrix that is not positive semi-definite (not a real correlation) can make this negative.
    const scale = exposure.reduce((s, e) => s + e * e, 0);
    if (variance < -1e-9 * scale) {
      throw new RuleViolationError(
        'risk.correlationNotPositiveSemiDefinite',
        'The correlation matrix gives this portfolio a negative variance: it is not a valid correlation matrix',
      );
    }
    const dailyVolatilityUsd = largest * Math.sqrt(Math.max(0, variance));
    const zScore = inverseNormalCdf(confidence);
    return {
      valueAtRiskUsd: zScore * dailyVolatilityUsd * Math.sqrt(horizonDays),
      portfolioValueUsd: positions.reduce((s, p) => s + p.valueUsd, 0),
      dailyVolatilityUsd,
      zScore,
    };
  },
);
