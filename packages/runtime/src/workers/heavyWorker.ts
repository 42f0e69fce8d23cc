// The worker-thread side of the heavy-function pool: load the registry module once, rebuild the context, run, reply.
import { workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { isAbsolute } from 'node:path';
import { FunctionFailedError, FunctionNotFoundError, InvocationContext, type Logger, type SerializedError, type Span } from '@lucent/core';
import { functionKey, indexFunctions, type FunctionIndex } from './functionIndex.js';
import type { WorkerNote, WorkerReply, WorkerTask } from './workerTask.js';

/** What the pool hands every worker at start. */
export interface HeavyWorkerData {
  /** Absolute path, file URL or package specifier of the module exporting the registry. */
  readonly registryModule: string;
  /** The export holding the function map; `functionRegistry` by default. */
  readonly registryExport: string;
}

let loaded: Promise<FunctionIndex> | undefined;

function registry(): Promise<FunctionIndex> {
  const data = workerData as HeavyWorkerData;
  loaded ??= (async () => {
    const specifier = isAbsolute(data.registryModule) ? pathToFileURL(data.registryModule).href : data.registryModule;
    const mod = (await import(specifier)) as Record<string, unknown>;
    if (!(data.registryExport in mod)) {
      throw new Error(`Registry module ${data.registryModule} has no export named ${data.registryExport}`);
    }
    return indexFunctions(mod[data.registryExport]);
  })();
  return loaded;
}

/** A thrown LucentError keeps its code. Checked by shape: the registry module may carry its own copy of @lucent/core. */
function serialize(name: string, error: unknown): SerializedError {
  const e = error as { code?: unknown; message?: unknown; details?: unknown; toJSON?: unknown } | null;
  if (error instanceof Error && e !== null && typeof e.code === 'string' && typeof e.toJSON === 'function') {
    return (e.toJSON as () => SerializedError).call(error);
  }
  return new FunctionFailedError(name, error).toJSON();
}

function recorder(notes: WorkerNote[]): { log: Logger; span: Span } {
  const at = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, fields?: Record<string, unknown>) => {
    notes.push(fields === undefined ? { kind: 'log', level, message } : { kind: 'log', level, message, fields });
  };
  return {
    log: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
    span: {
      setAttribute: (key, value) => notes.push({ kind: 'attribute', key, value }),
      addEvent: (name, attributes) => notes.push(attributes === undefined ? { kind: 'event', name } : { kind: 'event', name, attributes }),
    },
  };
}

export default async function runHeavyFunction(task: WorkerTask): Promise<WorkerReply> {
  const notes: WorkerNote[] = [];
  try {
    const fn = (await registry()).get(functionKey(task.name, task.version));
    if (fn === undefined) {
      return { ok: false, error: new FunctionNotFoundError(task.name, task.version).toJSON(), notes };
    }
    const { log, span } = recorder(notes);
    const ctx = new InvocationContext({ ...task.context, log, span });
    const output: unknown = await fn.handler(task.input, ctx);
    return { ok: true, output, events: ctx.events ?? [], notes };
  } catch (error) {
    return { ok: false, error: serialize(task.name, error), notes };
  }
}
