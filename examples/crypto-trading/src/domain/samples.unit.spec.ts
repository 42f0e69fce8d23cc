// Every generated function has a valid sample input, and running it twice on that sample gives the same { output, events }.
import { describe, expect, it } from 'vitest';
import { validate, type AnyFunctionDefinition } from '@lucent/core';
import { assertDeterministic } from '@lucent/core/testing';
import { FunctionManager } from '@lucent/runtime';
import { functionRegistry } from '../registry/functionRegistry.js';
import { sampleInputs } from './samples.js';

const functions: [string, AnyFunctionDefinition][] = Object.entries(functionRegistry);

describe('sample inputs', () => {
  it('cover exactly the functions in the registry', () => {
    expect(Object.keys(sampleInputs).sort()).toEqual(Object.keys(functionRegistry).sort());
  });

  it.each(functions)('%s: the sample passes the input contract and the call is deterministic', async (name, fn) => {
    const input = await validate(fn.input, sampleInputs[name], 'input', name);
    const result = await assertDeterministic(fn, input, { now: 1_700_000_000_000, seed: 'samples', business: { accountId: 'acc-1' } });
    expect(result.output).toBeDefined();
  });

  it.each(functions)('%s: the function manager runs the sample and its output passes the output contract', async (name) => {
    const manager = new FunctionManager({ clock: () => 1_700_000_000_000 }).register(functionRegistry);
    await expect(manager.invoke(name, sampleInputs[name])).resolves.toHaveProperty('output');
  });
});
