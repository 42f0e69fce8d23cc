// Run a function's handler against a context and gather { output, events }: the pure core of every invoke.
import { InvocationContext, type ContextSeed, type DomainEvent } from '../context/functionContext.js';
import type { FunctionDefinition } from './defineFunction.js';

export interface InvocationResult<Out> {
  readonly output: Out;
  readonly events: readonly DomainEvent[];
}

const noEvents: readonly DomainEvent[] = Object.freeze([]);

export function resultOf<Out>(output: Out, ctx: InvocationContext): InvocationResult<Out> {
  return { output, events: ctx.events ?? noEvents };
}

/**
 * Call the handler with a fresh context built from `seed`. No validation, no deadline:
 * the FunctionManager adds those; this is what tests and replays use.
 */
export function execute<In, Out>(
  fn: FunctionDefinition<string, In, Out>,
  input: In,
  seed: ContextSeed,
): InvocationResult<Out> | Promise<InvocationResult<Out>> {
  const ctx = new InvocationContext(seed);
  const out = fn.handler(input, ctx);
  if (out instanceof Promise) return out.then((o) => resultOf(o, ctx));
  return resultOf(out, ctx);
}
