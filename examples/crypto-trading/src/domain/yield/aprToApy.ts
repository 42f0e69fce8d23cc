// yield.aprToApy: the effective annual yield of a nominal APR compounded n times a year.
import { z } from 'zod';
import { defineFunction } from '@lucent/core';
import { AnnualRate, Compounding, apyFromApr } from './compounding.js';

export const aprToApy = defineFunction(
  {
    name: 'yield.aprToApy',
    version: '1.0.0',
    description: 'APY from APR for a compounding frequency: (1 + APR/n)^n − 1, or e^APR − 1 when continuous',
    shardAffinity: ['yield'],
    priority: 'normal',
    timeoutMs: 250,
    resources: { cpu: 1, memory: 1 },
    tags: ['yield', 'rates'],
    input: z.object({ apr: AnnualRate, compoundsPerYear: Compounding }),
    output: z.object({ apy: z.number() }),
  },
  ({ apr, compoundsPerYear }) => ({ apy: apyFromApr(apr, compoundsPerYear) }),
);
