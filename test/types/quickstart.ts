import { z } from 'zod';
import { defineFunction, functionMap } from '@lucent/core';
import { FunctionManager } from '@lucent/runtime';

// A pure function: contracts in, contracts out; time, ids and randomness come from ctx.
export const healthFactor = defineFunction(
  { name: 'risk.simpleHealthFactor', version: '1.0.0', shardAffinity: ['aave'], timeoutMs: 50,
    input: z.object({ collateralUsd: z.number().nonnegative(), threshold: z.number().gt(0).lte(1), debtUsd: z.number().positive() }),
    output: z.object({ healthFactor: z.number() }) },
  ({ collateralUsd, threshold, debtUsd }, ctx) => {
    const hf = (collateralUsd * threshold) / debtUsd;
    if (hf < 1.1) ctx.emit({ type: 'LiquidationRiskRaised', data: { hf, at: ctx.now() } });
    return { healthFactor: hf };
  },
);

const registry = functionMap(healthFactor);
const invoke = new FunctionManager().register(registry).typed<typeof registry>();
const { output, events } = await invoke('risk.simpleHealthFactor', { collateralUsd: 30_000, threshold: 0.8, debtUsd: 20_000 });
console.log(output.healthFactor, events); // 1.2 []
// A bad input is refused with VALIDATION_FAILED naming the field, and nothing runs:
await invoke('risk.simpleHealthFactor', { collateralUsd: 1, threshold: 0.8, debtUsd: -5 }).catch((e) => console.log(e.message));
