// Invoker decorators: rate limits before a call, and a function's own resilience policy around it.
import type { AnyFunctionDefinition, FunctionMap, InvocationResult, TypedInvoke } from '@lucent/core';
import type { FunctionInfo, InvokeOptions, Invoker } from '../invoker/invoker.js';
import type { RateLimits } from './rateLimits.js';
import type { Resilience } from './resilience.js';

export interface GuardedInvokerOptions {
  /** Checked before each call: RATE_LIMITED without running it when the user's or the function's budget is spent. */
  readonly rateLimits?: RateLimits;
  /** Functions with an entry of their own in `functions` run under that policy (retries only on transient errors). */
  readonly resilience?: Resilience;
}

/**
 * Wraps any Invoker (FunctionManager, ClusterClient, RoutedInvoker) for the calls made inside the
 * service: a command handler, a saga, a service class. The user is `business.userId` of the call.
 */
export class GuardedInvoker implements Invoker {
  constructor(
    private readonly inner: Invoker,
    private readonly options: GuardedInvokerOptions,
  ) {}

  async invoke(name: string, input: unknown, options?: InvokeOptions): Promise<InvocationResult<unknown>> {
    await this.options.rateLimits?.consume(name, options?.business?.userId);
    const resilience = this.options.resilience;
    if (resilience === undefined || !resilience.declaresFunction(name)) return this.inner.invoke(name, input, options);
    return resilience.function(name).execute(() => this.inner.invoke(name, input, options));
  }

  typed<R extends FunctionMap>(): TypedInvoke<R, InvokeOptions> {
    return this.invoke.bind(this) as TypedInvoke<R, InvokeOptions>;
  }

  list(): readonly FunctionInfo[] {
    return this.inner.list();
  }

  lookup(name: string, version?: string): AnyFunctionDefinition {
    return this.inner.lookup(name, version);
  }
}
