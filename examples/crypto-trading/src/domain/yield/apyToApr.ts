// yield.apyToApr: the nominal APR that, compounded n times a year, gives a quoted APY.
import { z } from 'zod';
import { defineFunction } from '@lucent/core';
import { Compounding, aprFromApy } from './compounding.js';

export const apyToApr = defineFunction(
  {
    name: 'yield.apyToApr',
    version: '1.0.0',
    description: 'APR from APY for a compounding frequency: n·((1 + APY)^(1/n) − 1), or ln(1 + APY) when continuous',
    shardAffinity: ['yield'],
    priority: 'normal',
    timeoutMs: 250,
    resources: { cpu: 1, memory: 1 },
    tags: ['yield', 'rates'],
    input: z.object({ apy: z.number().finite().min(0).max(1e6), compoundsPerYear: Compounding }),
    output: z.object({ apr: z.number() }),
  },
  ({ apy, compoundsPerYear }) => ({ apr: aprFromApy(apy, compoundsPerYear) }),
);
