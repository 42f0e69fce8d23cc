// Strategy v3 of triangular arbitrage, hot-deployed by the demo while calls flow: same contracts as v1 and v2.
import { defineFunction, functionOf } from '@lucent/core';
import { ArbitrageDetection } from '../../domain/arbitrage/arbitrageDetection.js';

const v1 = functionOf(ArbitrageDetection, 'triangular');

export const triangularV3 = defineFunction(
  { ...v1.meta, name: 'arbitrage.triangular', version: '3.0.0', input: v1.input, output: v1.output },
  (input, ctx) => v1.handler(input, ctx),
);
