// A FunctionDefinition that stands in, on the main thread, for a function living in a bundle worker.
import type { AnyFunctionDefinition, Contract, FunctionContext, FunctionMeta } from '@lucent/core';
import type { BundleWorker, WorkerFunctionInfo } from './bundleWorker.js';

/**
 * Contracts stay in the worker (schemas cannot cross threads), where input and output are checked;
 * on this side a pass-through contract lets the FunctionManager's own checks accept any value.
 */
const checkedInWorker: Contract = {
  '~standard': { version: 1, vendor: 'lucent.bundleWorker', validate: (value: unknown) => ({ value }) },
};

export interface WorkerFunctionMeta extends FunctionMeta {
  /** The bundle this version came from. */
  readonly bundleId: string;
}

export function workerFunction(worker: BundleWorker, info: WorkerFunctionInfo): AnyFunctionDefinition {
  // `heavy` is dropped: the function already runs off the event loop, and a heavy executor could not ship this proxy.
  const { heavy: _heavy, ...meta } = info.meta;
  return Object.freeze({
    kind: 'lucent.function' as const,
    name: info.name,
    version: info.version,
    input: checkedInWorker,
    output: checkedInWorker,
    meta: Object.freeze({ ...meta, bundleId: worker.bundle.id } satisfies WorkerFunctionMeta),
    handler: async (input: unknown, ctx: FunctionContext) => {
      const { output, events } = await worker.call(info.name, info.version, input, ctx);
      for (const event of events) ctx.emit(event);
      return output;
    },
  });
}
