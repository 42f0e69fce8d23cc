// A shadowed call answers with the live run alone, and hands the shadow observer the live result with the correlation id and clock reading it ran with.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFunction, LucentError, type AnyFunctionDefinition, type InvocationResult } from '@lucent/core';
import type { InvokeOptions } from '../invoker/invoker.js';
import type { ShadowCall } from './functionManagerOptions.js';
import { runShadowed, type ShadowHost } from './shadowRuns.js';

const contract = { input: z.object({ x: z.number() }), output: z.object({ y: z.number() }) };
const live = defineFunction({ name: 'quote.price', version: '1.0.0', ...contract }, ({ x }) => ({ y: x * 2 }));
const shadow = defineFunction({ name: 'quote.price', version: '2.0.0', ...contract }, ({ x }) => ({ y: x * 3 }));

/** A host that runs a definition's handler at once and remembers the options each run saw. */
function host(fail = false): ShadowHost & { readonly seen: InvokeOptions[] } {
  const seen: InvokeOptions[] = [];
  let sequence = 0;
  return {
    seen,
    now: () => 7_000,
    nextCorrelationId: () => `id-${++sequence}`,
    run(fn: AnyFunctionDefinition, input: unknown, options?: InvokeOptions): Promise<InvocationResult<unknown>> {
      seen.push(options ?? {});
      if (fail) return Promise.reject(new LucentError('FUNCTION_FAILED', 'live run failed'));
      return Promise.resolve({ output: fn.handler(input as never, undefined as never), events: [] });
    },
  };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('runShadowed', () => {
  it('answers with the live version’s result and tells the observer once, with the options the live run used', async () => {
    const h = host();
    const told: ShadowCall[] = [];
    const result = await runShadowed(h, (call) => told.push(call), 'quote.price', live, shadow, { x: 2 }, { seed: 'abc' });
    await nextTurn();
    expect(result.output).toEqual({ y: 4 });
    expect(h.seen).toEqual([{ seed: 'abc', correlationId: 'id-1', now: 7_000 }]);
    expect(told).toEqual([{ name: 'quote.price', live, shadow, input: { x: 2 }, options: h.seen[0], result }]);
  });

  it('keeps a correlation id and clock reading the caller gave (a replay), so the shadow sees the same ones', async () => {
    const h = host();
    const told: ShadowCall[] = [];
    await runShadowed(h, (call) => told.push(call), 'quote.price', live, shadow, { x: 1 }, { correlationId: 'replay-9', now: 42 });
    await nextTurn();
    expect(told[0]!.options).toMatchObject({ correlationId: 'replay-9', now: 42 });
  });

  it('passes a failed live call’s error to the caller and tells the observer nothing', async () => {
    const told: ShadowCall[] = [];
    const error = await runShadowed(host(true), (call) => told.push(call), 'quote.price', live, shadow, { x: 1 }, undefined).catch((e: unknown) => e);
    await nextTurn();
    expect((error as LucentError).code).toBe('FUNCTION_FAILED');
    expect(told).toEqual([]);
  });
});
