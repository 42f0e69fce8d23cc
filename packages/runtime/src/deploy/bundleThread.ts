// The worker-thread side of a bundle's piscina pool: load one verified bundle, list its functions, serve calls.
//
// It imports only node built-ins at run time (the `@lucent/core` imports are types, erased by tsc):
// contexts and validation come from the copy of core bundled inside the bundle (`lucentBundle.runtime`),
// so a function runs against the core it was built with.
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import type { BusinessMetadata, DomainEvent, ExecutionInfo, FunctionMeta, SerializedError, ShardInfo } from '@lucent/core';

/** What the pool hands every thread at start: the exact bytes that were verified, and their digest. */
export interface BundleThreadData {
  readonly code: Uint8Array;
  readonly sha256: string;
}

export interface BundleFunctionInfo {
  readonly name: string;
  readonly version: string;
  readonly meta: FunctionMeta;
}

/** The caller's context, as data: the bundle's own InvocationContext is rebuilt from it. */
export interface BundleCallContext {
  readonly now: number;
  readonly seed: string;
  readonly business: BusinessMetadata;
  readonly shard: ShardInfo;
  readonly execution: ExecutionInfo;
}

export type BundleTask =
  | { readonly type: 'describe' }
  | { readonly type: 'call'; readonly name: string; readonly version: string; readonly input: unknown; readonly context: BundleCallContext };

/** `thrown` marks an error that was not a Lucent error in the bundle: the caller wraps it as FUNCTION_FAILED. */
export type BundleCallError = SerializedError & { readonly details?: { readonly thrown?: boolean; readonly reason?: string } };

export type BundleReply =
  | { readonly type: 'functions'; readonly functions: readonly BundleFunctionInfo[] }
  | { readonly type: 'result'; readonly output: unknown; readonly events: readonly DomainEvent[] }
  | { readonly type: 'error'; readonly error: BundleCallError };

/**
 * Sent on the thread's parent port as the function logs, outside any reply (piscina emits it as
 * 'message'): a line reaches the node even if the call then hangs, and may land just after its reply.
 */
export interface BundleLogMessage {
  readonly type: 'lucent.bundle.log';
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields?: Record<string, unknown>;
}

/** The parts of a bundled function this thread uses. */
interface BundledFunction {
  readonly kind: 'lucent.function';
  readonly name: string;
  readonly version: string;
  readonly input: unknown;
  readonly output: unknown;
  readonly meta?: FunctionMeta;
  handler(input: unknown, ctx: unknown): unknown;
}

/** The parts of the bundled core this thread uses. */
interface BundledRuntime {
  readonly InvocationContext: new (seed: Record<string, unknown>) => { readonly events?: readonly DomainEvent[] };
  validate(contract: unknown, value: unknown, where: 'input' | 'output', subject: string): unknown;
  readonly functionsOf?: (value: unknown) => Iterable<unknown>;
}

interface LoadedBundle {
  readonly runtime: BundledRuntime;
  readonly functions: ReadonlyMap<string, BundledFunction>;
}

const describeError = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** A Lucent error keeps its code (checked by shape: it comes from the bundle's own core); anything else is marked thrown. */
function serializeError(error: unknown): BundleCallError {
  const e = error as { code?: unknown; toJSON?: unknown } | null;
  if (e !== null && typeof e === 'object' && typeof e.code === 'string' && typeof e.toJSON === 'function') {
    try {
      return (e.toJSON as () => SerializedError).call(error);
    } catch {
      // fall through to the generic shape
    }
  }
  return { code: 'FUNCTION_FAILED', message: describeError(error), details: { reason: describeError(error), thrown: true } };
}

const isFunction = (value: unknown): value is BundledFunction =>
  typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'lucent.function';

function collect(module: Record<string, unknown>, runtime: BundledRuntime): Map<string, BundledFunction> {
  const found = new Map<string, BundledFunction>();
  const add = (value: unknown): void => {
    if (isFunction(value)) found.set(`${value.name}@${value.version}`, value);
  };
  for (const value of Object.values(module)) {
    if (typeof value === 'function' && typeof runtime.functionsOf === 'function') {
      for (const fn of runtime.functionsOf(value)) add(fn);
    } else add(value);
  }
  return found;
}

const post = (message: BundleLogMessage): void => parentPort?.postMessage(message);

const logger = Object.fromEntries(
  (['debug', 'info', 'warn', 'error'] as const).map((level) => [
    level,
    (message: unknown, fields?: Record<string, unknown>): void => {
      try {
        // Fields go through JSON so that a value which cannot cross threads cannot fail the call.
        const plain = fields === undefined ? undefined : (JSON.parse(JSON.stringify(fields)) as Record<string, unknown>);
        post({ type: 'lucent.bundle.log', level, message: String(message), ...(plain === undefined ? {} : { fields: plain }) });
      } catch {
        // a log line is never worth a failed call
      }
    },
  ]),
);

async function load(): Promise<LoadedBundle> {
  const data = workerData as BundleThreadData;
  // Check again on this side of the thread boundary: these are the exact bytes that were verified.
  const actual = `sha256:${createHash('sha256').update(data.code).digest('hex')}`;
  if (actual !== data.sha256) throw new Error(`code hash ${actual} differs from the verified ${data.sha256}`);
  // Imported from a data: URL, so nothing on disk can be swapped between verification and load.
  const mod = (await import(`data:text/javascript;base64,${Buffer.from(data.code).toString('base64')}`)) as { lucentBundle?: unknown };
  const bundle = mod.lucentBundle as { format?: unknown; runtime?: BundledRuntime; module?: Record<string, unknown> } | undefined;
  if (!bundle || bundle.format !== 'lucent.bundle/1' || !bundle.runtime || !bundle.module) {
    throw new Error('the module does not export lucentBundle; build it with lucent publish');
  }
  return { runtime: bundle.runtime, functions: collect(bundle.module, bundle.runtime) };
}

let loaded: Promise<LoadedBundle> | undefined;

async function call(bundle: LoadedBundle, task: Extract<BundleTask, { type: 'call' }>): Promise<BundleReply> {
  const fn = bundle.functions.get(`${task.name}@${task.version}`);
  if (!fn) {
    const error: BundleCallError = { code: 'FUNCTION_NOT_FOUND', message: `No function ${task.name} at version ${task.version} in this bundle`, details: { name: task.name, version: task.version } };
    return { type: 'error', error };
  }
  try {
    // Contracts cannot cross threads, so both sides of the boundary are checked here.
    const input = await bundle.runtime.validate(fn.input, task.input, 'input', fn.name);
    const ctx = new bundle.runtime.InvocationContext({ ...task.context, log: logger });
    const output = await bundle.runtime.validate(fn.output, await fn.handler(input, ctx), 'output', fn.name);
    const reply: BundleReply = { type: 'result', output, events: ctx.events ?? [] };
    try {
      // piscina posts the reply after this returns; a value that cannot be cloned would end the thread there.
      structuredClone(reply);
    } catch (error) {
      const reason = `result cannot cross threads: ${describeError(error)}`;
      return { type: 'error', error: { code: 'FUNCTION_FAILED', message: reason, details: { reason, thrown: true } } };
    }
    return reply;
  } catch (error) {
    return { type: 'error', error: serializeError(error) };
  }
}

/** piscina's task handler. A bundle that fails to load rejects every task with the reason. */
export default async function runBundleTask(task: BundleTask): Promise<BundleReply> {
  loaded ??= load();
  const bundle = await loaded;
  if (task.type === 'describe') {
    const functions = [...bundle.functions.values()].map((fn) => ({
      name: fn.name,
      version: fn.version,
      meta: JSON.parse(JSON.stringify(fn.meta ?? {})) as FunctionMeta,
    }));
    return { type: 'functions', functions };
  }
  return call(bundle, task);
}
