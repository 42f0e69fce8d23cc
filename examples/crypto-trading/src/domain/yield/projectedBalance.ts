// yield.projectedBalance: what a deposit grows to after a number of days at an APR and compounding frequency.
import { z } from 'zod';
import { defineFunction } from '@lucent/core';
import { AnnualRate, Compounding, daysPerYear, growthFactor } from './compounding.js';

/*
 * The growth factor is at most e^(APR·years), compounding continuously; discrete compounding
 * grows less, as (1 + APR/n)^n ≤ e^APR. Bounding APR·years by 600 keeps the balance finite
 * (10^15 · e^600 ≈ 4·10^275) while allowing 10 000% APR for six years or 600% for a century,
 * far beyond any real yield.
 */
export const maxGrowthExponent = 600;

export const projectedBalance = defineFunction(
  {
    name: 'yield.projectedBalance',
    version: '1.1.0',
    description: 'Balance after a duration: P·(1 + APR/n)^(n·t), or P·e^(APR·t) when continuous, t in years of 365 days',
    shardAffinity: ['yield'],
    priority: 'normal',
    timeoutMs: 250,
    resources: { cpu: 1, memory: 1 },
    tags: ['yield', 'projection'],
    input: z
      .object({
        principal: z.number().finite().min(0).max(1e15),
        apr: AnnualRate,
        compounding: Compounding,
        durationDays: z.number().finite().min(0).max(36_500),
      })
      .refine(({ apr, durationDays }) => (apr * durationDays) / daysPerYear <= maxGrowthExponent, {
        path: ['durationDays'],
        message: `APR × years must be at most ${maxGrowthExponent}: a longer projection at this rate outgrows any balance`,
      }),
    output: z.object({ balance: z.number(), interest: z.number(), periodYield: z.number() }),
  },
  ({ principal, apr, compounding, durationDays }) => {
    const factor = growthFactor(apr, compounding, durationDays / daysPerYear);
    const balance = principal * factor;
    return { balance, interest: balance - principal, periodYield: factor - 1 };
  },
);
