// Runs functions marked `heavy` in a piscina worker-thread pool; a call past its deadline gets its thread terminated.
import { isAbsolute } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import {
  DeadlineExceededError,
  errorFromJSON,
  FunctionFailedError,
  LucentError,
  type AnyFunctionDefinition,
  type InvocationContext,
  type InvocationResult,
} from '@lucent/core';
import type { FunctionExecutor } from '../functionManager/functionManager.js';
import type { HeavyWorkerData } from './heavyWorker.js';
import { contextSeedOf, type WorkerNote, type WorkerReply, type WorkerTask } from './workerTask.js';

export interface WorkerPoolOptions {
  /**
   * The module the workers import to find handlers (handlers cannot cross threads): an absolute
   * path, a file URL, or a package specifier, exporting a map of definitions such as the
   * `functionRegistry` that `lucent generate` writes. Point it at built JavaScript.
   */
  readonly registryModule: string | URL;
  /** The export holding the map; default `functionRegistry`. */
  readonly registryExport?: string;
  readonly minThreads?: number;
  /** Default: piscina's (about 1.5× the cores). */
  readonly maxThreads?: number;
  /** Calls allowed to wait for a thread; beyond it a call fails at once with UNAVAILABLE. Default 1000. */
  readonly maxQueue?: number;
  readonly idleTimeoutMs?: number;
  /** Heap limits per worker: a runaway allocation kills that worker, not the shard. */
  readonly resourceLimits?: { readonly maxOldGenerationSizeMb?: number; readonly maxYoungGenerationSizeMb?: number };
  /** The worker entry; default the compiled `heavyWorker.js` beside this file. Tests pass a bundled one. */
  readonly workerFile?: string | URL;
  /** Node flags for the workers (e.g. a loader); default: inherited from the process. */
  readonly execArgv?: readonly string[];
  readonly clock?: () => number;
}

function asSpecifier(module: string | URL): string {
  if (module instanceof URL) return module.href;
  return isAbsolute(module) ? pathToFileURL(module).href : module;
}

function asPath(file: string | URL): string {
  return file instanceof URL ? fileURLToPath(file) : file.startsWith('file:') ? fileURLToPath(file) : file;
}

function replay(notes: readonly WorkerNote[], ctx: InvocationContext): void {
  for (const note of notes) {
    if (note.kind === 'log') ctx.log[note.level](note.message, note.fields);
    else if (note.kind === 'attribute') ctx.span.setAttribute(note.key, note.value);
    else ctx.span.addEvent(note.name, note.attributes);
  }
}

export class WorkerPoolExecutor implements FunctionExecutor {
  private readonly pool: Piscina<WorkerTask, WorkerReply>;
  private readonly clock: () => number;
  private closed = false;

  constructor(options: WorkerPoolOptions) {
    this.clock = options.clock ?? Date.now;
    const workerData: HeavyWorkerData = {
      registryModule: asSpecifier(options.registryModule),
      registryExport: options.registryExport ?? 'functionRegistry',
    };
    this.pool = new Piscina<WorkerTask, WorkerReply>({
      filename: asPath(options.workerFile ?? new URL('./heavyWorker.js', import.meta.url)),
      workerData,
      maxQueue: options.maxQueue ?? 1_000,
      ...(options.minThreads === undefined ? {} : { minThreads: options.minThreads }),
      ...(options.maxThreads === undefined ? {} : { maxThreads: options.maxThreads }),
      ...(options.idleTimeoutMs === undefined ? {} : { idleTimeout: options.idleTimeoutMs }),
      ...(options.resourceLimits === undefined ? {} : { resourceLimits: { ...options.resourceLimits } }),
      ...(options.execArgv === undefined ? {} : { execArgv: [...options.execArgv] }),
    });
  }

  /** Threads alive now (terminated ones are replaced as calls need them). */
  get threads(): number {
    return this.pool.threads.length;
  }

  /** Calls waiting for a free thread. */
  get queued(): number {
    return this.pool.queueSize;
  }

  async run(fn: AnyFunctionDefinition, input: unknown, ctx: InvocationContext): Promise<InvocationResult<unknown>> {
    if (this.closed) throw new LucentError('UNAVAILABLE', `The worker pool is closed; ${fn.name} cannot run`);
    const deadline = ctx.execution.deadline;
    const remaining = deadline - this.clock();
    if (remaining <= 0) throw new DeadlineExceededError(fn.name, deadline);

    const task: WorkerTask = { name: fn.name, version: fn.version, input, context: contextSeedOf(ctx) };
    const abort = new AbortController();
    // Aborting a running task makes piscina terminate its thread: the only way to stop a
    // synchronous loop. A task still queued is just dropped.
    const timer = Number.isFinite(remaining) ? setTimeout(() => abort.abort(), remaining) : undefined;
    let reply: WorkerReply;
    try {
      reply = await this.pool.run(task, { signal: abort.signal });
    } catch (error) {
      if (abort.signal.aborted) throw new DeadlineExceededError(fn.name, deadline);
      throw this.poolFailure(fn, error);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
    replay(reply.notes, ctx);
    if (!reply.ok) throw errorFromJSON(reply.error);
    return { output: reply.output, events: reply.events };
  }

  private poolFailure(fn: AnyFunctionDefinition, error: unknown): LucentError {
    const message = error instanceof Error ? error.message : String(error);
    if (/queue is at limit|no task queue available/i.test(message)) {
      return new LucentError('UNAVAILABLE', `The worker pool for ${fn.name} is saturated; retry later`, { name: fn.name });
    }
    // The worker died under the call (out of memory, process.exit, an uncloneable result).
    return new FunctionFailedError(fn.name, error);
  }

  /** Stop every thread; calls still running are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.destroy();
  }
}
