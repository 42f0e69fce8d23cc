// Strategy v2 of triangular arbitrage, published with `lucent publish` by the demo: same contracts as v1, so the registry may split traffic between them.
import { defineFunction, functionOf } from '@lucent/core';
import { ArbitrageDetection } from '../../domain/arbitrage/arbitrageDetection.js';

const v1 = functionOf(ArbitrageDetection, 'triangular');

/** The same cycle search; v2 also reports the opportunity as an event, which is how the demo tells the strategies apart in logs. */
export const triangularV2 = defineFunction(
  { ...v1.meta, name: 'arbitrage.triangular', version: '2.0.0', input: v1.input, output: v1.output },
  async (input, ctx) => {
    const output = await v1.handler(input, ctx);
    ctx.emit({ type: 'ArbitrageScannedByV2', data: { startCurrency: input.startCurrency } });
    return output;
  },
);
