// yield.continuousApy: the limit of compounding ever more often, APY = e^APR − 1.
import { z } from 'zod';
import { defineFunction } from '@lucent/core';
import { AnnualRate, apyFromApr } from './compounding.js';

export const continuousApy = defineFunction(
  {
    name: 'yield.continuousApy',
    version: '1.0.0',
    description: 'APY under continuous compounding: e^APR − 1 (Hull, ch. 4)',
    shardAffinity: ['yield'],
    priority: 'normal',
    timeoutMs: 250,
    resources: { cpu: 1, memory: 1 },
    tags: ['yield', 'rates'],
    input: z.object({ apr: AnnualRate }),
    output: z.object({ apy: z.number() }),
  },
  ({ apr }) => ({ apy: apyFromApr(apr, 'continuous') }),
);
