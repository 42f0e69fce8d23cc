// Test helper: a registered function run twice on the same input and context must agree exactly.
import { canonicalJson } from '../contracts/contract.js';
import type { ContextSeed } from '../context/functionContext.js';
import type { FunctionDefinition } from '../functions/defineFunction.js';
import { execute, type InvocationResult } from '../functions/execute.js';

export interface DeterminismReport<Out> {
  readonly deterministic: boolean;
  readonly runs: readonly InvocationResult<Out>[];
}

const defaultSeed: ContextSeed = { now: 1_700_000_000_000, seed: 'determinism-check' };

/** Run `fn` `times` times with equal inputs and equal contexts and compare the results. */
export async function checkDeterminism<In, Out>(
  fn: FunctionDefinition<string, In, Out>,
  input: In,
  seed: ContextSeed = defaultSeed,
  times = 3,
): Promise<DeterminismReport<Out>> {
  const runs: InvocationResult<Out>[] = [];
  // structuredClone: a function that mutates its input must not make later runs look different for that reason.
  for (let i = 0; i < times; i++) runs.push(await execute(fn, structuredClone(input), seed));
  const first = canonicalJson(runs[0]);
  return { deterministic: runs.every((r) => canonicalJson(r) === first), runs };
}

/** Throw with both results when `fn` is not deterministic for this input. */
export async function assertDeterministic<In, Out>(
  fn: FunctionDefinition<string, In, Out>,
  input: In,
  seed?: ContextSeed,
): Promise<InvocationResult<Out>> {
  const report = await checkDeterminism(fn, input, seed);
  if (!report.deterministic) {
    const shown = report.runs.map((r) => canonicalJson(r)).join('\n  vs\n');
    throw new Error(`${fn.name}@${fn.version} is not deterministic:\n${shown}`);
  }
  return report.runs[0]!;
}
