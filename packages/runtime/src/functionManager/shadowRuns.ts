// Shadow runs: a live call whose rules name a shadow version, handed with its result to the shadow observer once it resolves.
import type { AnyFunctionDefinition, InvocationResult } from '@lucent/core';
import type { InvokeOptions } from '../invoker/invoker.js';
import type { ShadowObserver } from './functionManagerOptions.js';

/** What a shadowed call needs of the manager that runs it. */
export interface ShadowHost {
  run(fn: AnyFunctionDefinition, input: unknown, options?: InvokeOptions): Promise<InvocationResult<unknown>>;
  /** A reading of the host's clock. */
  now(): number;
  nextCorrelationId(): string;
}

/**
 * Run `live` and, once it resolves, tell `observer` (a live call that fails is not compared).
 * The caller gets the live call's own promise: the shadow never delays or changes its answer.
 */
export function runShadowed(
  host: ShadowHost,
  observer: ShadowObserver,
  name: string,
  live: AnyFunctionDefinition,
  shadow: AnyFunctionDefinition,
  input: unknown,
  options: InvokeOptions | undefined,
): Promise<InvocationResult<unknown>> {
  // The shadow must see the same seed and clock reading as the live run, or pure outputs could differ.
  const pinned: InvokeOptions = {
    ...options,
    correlationId: options?.correlationId ?? host.nextCorrelationId(),
    now: options?.now ?? host.now(),
  };
  const result = host.run(live, input, pinned);
  result.then(
    (value) => observer({ name, live, shadow, input, options: pinned, result: value }),
    () => undefined,
  );
  return result;
}
