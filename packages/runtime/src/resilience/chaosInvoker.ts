// An Invoker whose calls meet the chaos in force for their function: for functions run in this process, where no shard applies it.
import { DeadlineExceededError, type AnyFunctionDefinition, type FunctionMap, type InvocationResult, type TypedInvoke } from '@lucent/core';
import type { FunctionInfo, InvokeOptions, Invoker } from '../invoker/invoker.js';
import { chaosError, type Chaos } from './chaos.js';

const sleep = (ms: number): Promise<void> => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());

function late(name: string, fault: string): DeadlineExceededError {
  const error = new DeadlineExceededError(name, Date.now());
  Object.defineProperty(error, 'details', { value: { ...error.details, chaos: fault }, configurable: true });
  return error;
}

/**
 * Wrap the FunctionManager of an embedded service (`new ChaosInvoker(manager, chaos)`): function
 * faults apply as on a shard. A call that gets no answer (timeout, drop, unreachable) is held until
 * its deadline or `timeoutMs` (at most the fault's `hangMs`) and fails DEADLINE_EXCEEDED. Do not wrap
 * a ClusterClient with it: the shards already apply the same faults.
 */
export class ChaosInvoker implements Invoker {
  constructor(
    private readonly inner: Invoker,
    private readonly chaos: Chaos,
  ) {}

  async invoke(name: string, input: unknown, options?: InvokeOptions): Promise<InvocationResult<unknown>> {
    const faults = this.chaos.active ? this.chaos.forCall(name) : undefined;
    if (faults === undefined) return this.inner.invoke(name, input, options);
    await sleep(faults.latencyMs);
    const wait = (): Promise<void> => {
      const left = options?.deadline !== undefined ? options.deadline - Date.now() : (options?.timeoutMs ?? faults.hangMs);
      return sleep(Math.min(faults.hangMs, Math.max(0, left)));
    };
    switch (faults.outcome) {
      case 'error':
        throw chaosError(faults.scope ?? 'function', faults.target ?? name, name);
      case 'drop':
        await this.inner.invoke(name, input, options).catch(() => undefined);
        await wait();
        throw late(name, 'drop');
      case 'timeout':
      case 'unreachable':
        await wait();
        throw late(name, faults.outcome);
      default:
        return this.inner.invoke(name, input, options);
    }
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
