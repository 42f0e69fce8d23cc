// Compounding arithmetic shared by the yield functions: growth over time at an APR compounded n times a year or continuously.
import { z } from 'zod';

/** Days in a year for turning durations into years (the ACT/365 convention DeFi dashboards use). */
export const daysPerYear = 365;

/**
 * How often interest is added: a count per year (1 yearly, 12 monthly, 365 daily,
 * 31 536 000 per second) or 'continuous'.
 */
export const Compounding = z.union([z.number().int().min(1).max(31_536_000), z.literal('continuous')]);
export type Compounding = z.infer<typeof Compounding>;

/** A nominal annual rate as a fraction (0.12 = 12%); up to 10 000% covers the wildest farms. */
export const AnnualRate = z.number().finite().min(0).max(100);

/**
 * Growth factor of one unit after `years` at nominal rate `apr`:
 *   discrete   (1 + apr/n)^(n·years)
 *   continuous e^(apr·years)
 * Source: the standard compounding formulas, e.g. J. C. Hull, "Options, Futures, and Other
 * Derivatives", ch. 4 "Measuring interest rates". Fractional periods accrue at the same
 * per-period rate, the usual convention for projections.
 *
 * Computed as exp(n·years·log1p(apr/n)) so per-second compounding (n ≈ 3·10^7, apr/n ≈ 10^-9)
 * keeps full precision instead of losing it in 1 + apr/n.
 */
export function growthFactor(apr: number, compounding: Compounding, years: number): number {
  if (compounding === 'continuous') return Math.exp(apr * years);
  return Math.exp(compounding * years * Math.log1p(apr / compounding));
}

/** Effective annual yield: APY = (1 + APR/n)^n − 1, or e^APR − 1 when continuous. */
export function apyFromApr(apr: number, compounding: Compounding): number {
  if (compounding === 'continuous') return Math.expm1(apr);
  return Math.expm1(compounding * Math.log1p(apr / compounding));
}

/** The inverse: APR = n·((1 + APY)^(1/n) − 1), or ln(1 + APY) when continuous (Hull, same chapter). */
export function aprFromApy(apy: number, compounding: Compounding): number {
  if (compounding === 'continuous') return Math.log1p(apy);
  return compounding * Math.expm1(Math.log1p(apy) / compounding);
}
