// One verified bundle on its own piscina pool of one thread: start it, call its functions, contain its failures.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import {
  DeadlineExceededError,
  errorFromJSON,
  FunctionFailedError,
  LucentError,
  silentLogger,
  type DomainEvent,
  type FunctionContext,
  type Logger,
  ValidationError,
} from '@lucent/core';
import { BundleRejectedError } from './bundleRejectedError.js';
import type { BundleFunctionInfo, BundleLogMessage, BundleReply, BundleTask, BundleThreadData } from './bundleThread.js';
import type { VerifiedBundle } from './verifyBundle.js';

export type WorkerFunctionInfo = BundleFunctionInfo;

export interface BundleWorkerOptions {
  /** A bundle whose top level does not finish loading in time is refused (default 10 s). */
  readonly loadTimeoutMs?: number;
  /** After a call's deadline plus this grace the thread is presumed stuck and is replaced (default 1 s). */
  readonly stuckGraceMs?: number;
  readonly logger?: Logger;
  readonly resourceLimits?: { readonly maxOldGenerationSizeMb?: number };
}

/**
 * Calls one bundle's thread serves at once: its functions are mostly async, so one thread interleaves
 * them, as a plain Worker did; beyond this they wait in the pool's queue (until their deadline).
 */
const concurrentCallsPerBundle = 256;

/**
 * The compiled thread module. Run from TypeScript source (the specs, vite-node) there is no
 * JavaScript beside this file, so the one `npm run build` wrote to `dist/` is used.
 */
function threadFile(): string {
  const fromSource = import.meta.url.endsWith('.ts');
  const file = fileURLToPath(new URL(fromSource ? '../../dist/deploy/bundleThread.js' : './bundleThread.js', import.meta.url));
  if (fromSource && !existsSync(file)) throw new Error(`${file} is missing: run npm run build before running bundles from source`);
  return file;
}

const describeError = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const isLog = (message: unknown): message is BundleLogMessage =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'lucent.bundle.log';

/** The seed a context was built with; InvocationContext keeps it private, and a worker must reproduce it. */
function seedOf(ctx: FunctionContext): string {
  const seed: unknown = Reflect.get(ctx, 'seed');
  return typeof seed === 'string' ? seed : ctx.execution.correlationId;
}

export class BundleWorker {
  private closed = false;
  private readonly logger: Logger;
  private readonly stuckGraceMs: number;

  private constructor(
    readonly bundle: VerifiedBundle,
    readonly functions: readonly WorkerFunctionInfo[],
    private readonly pool: Piscina<BundleTask, BundleReply>,
    options: BundleWorkerOptions,
  ) {
    this.logger = options.logger ?? silentLogger;
    this.stuckGraceMs = options.stuckGraceMs ?? 1_000;
  }

  /** Start the bundle's thread and wait for its function list; rejects with BundleRejectedError('load-failed'). */
  static async start(bundle: VerifiedBundle, options: BundleWorkerOptions = {}): Promise<BundleWorker> {
    let filename: string;
    try {
      filename = threadFile();
    } catch (error) {
      throw new BundleRejectedError(bundle.id, 'load-failed', describeError(error));
    }
    const logger = options.logger ?? silentLogger;
    const workerData: BundleThreadData = { code: bundle.code, sha256: bundle.manifest.bundle.sha256 };
    const pool = new Piscina<BundleTask, BundleReply>({
      filename,
      workerData,
      // One thread per bundle, kept while the bundle is loaded; a thread that dies is replaced by piscina.
      minThreads: 1,
      maxThreads: 1,
      concurrentTasksPerWorker: concurrentCallsPerBundle,
      // No Atomics.wait between tasks: the bundle's own timers and I/O keep running in an idle thread.
      atomics: 'disabled',
      recordTiming: false,
      // The bundle gets no copy of this process's environment variables (and, as ever, no stdin).
      env: {},
      ...(options.resourceLimits ? { resourceLimits: { ...options.resourceLimits } } : {}),
    });
    pool.on('message', (message: unknown) => {
      if (isLog(message)) logger[message.level](message.message, { bundle: bundle.id, ...message.fields });
    });
    // A thread that fails with no call running (an error thrown in a bundle's timer, say) is replaced.
    pool.on('error', (error: unknown) => logger.error('bundle worker crashed', { bundle: bundle.id, error: describeError(error) }));
    const timeoutMs = options.loadTimeoutMs ?? 10_000;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    try {
      const reply = await pool.run({ type: 'describe' }, { signal: abort.signal });
      if (reply.type !== 'functions') throw new Error(`unexpected reply ${reply.type} while loading`);
      return new BundleWorker(bundle, reply.functions, pool, options);
    } catch (error) {
      await pool.destroy();
      throw new BundleRejectedError(bundle.id, 'load-failed', abort.signal.aborted ? `not loaded within ${timeoutMs} ms` : describeError(error));
    } finally {
      clearTimeout(timer);
    }
  }

  /** Threads alive now: 1 while loaded (0 for a moment while a dead one is replaced), 0 once terminated. */
  get threads(): number {
    return this.pool.threads.length;
  }

  private unloaded(): LucentError {
    return new LucentError('UNAVAILABLE', `Bundle ${this.bundle.id} is unloaded`);
  }

  /** Run `name@version` in the thread with the caller's context; events come back as data. */
  async call(name: string, version: string, input: unknown, ctx: FunctionContext): Promise<{ output: unknown; events: readonly DomainEvent[] }> {
    if (this.closed) throw this.unloaded();
    const deadline = ctx.execution.deadline;
    const task: BundleTask = {
      type: 'call',
      name,
      version,
      input,
      context: { now: ctx.now(), seed: seedOf(ctx), business: ctx.business, shard: ctx.shard, execution: ctx.execution },
    };
    try {
      // Checked here: an input that cannot be copied must fail this call, not the pool's message port.
      structuredClone(input);
    } catch (error) {
      throw new ValidationError('input', name, [{ path: '', message: `cannot be copied to a worker thread: ${String(error)}` }]);
    }
    const abort = new AbortController();
    // A synchronous loop cannot be interrupted inside the thread: past its deadline (and a grace),
    // aborting the call makes piscina terminate the thread and start a fresh one.
    const timer = Number.isFinite(deadline) ? setTimeout(() => abort.abort(), Math.max(0, deadline - Date.now()) + this.stuckGraceMs) : undefined;
    let reply: BundleReply;
    try {
      reply = await this.pool.run(task, { signal: abort.signal });
    } catch (error) {
      if (abort.signal.aborted) {
        this.logger.warn('bundle worker stuck past a deadline; replacing it', { bundle: this.bundle.id, function: name });
        throw new DeadlineExceededError(name, deadline);
      }
      if (this.closed) throw this.unloaded();
      // The thread ended under the call (process.exit in the bundle, out of memory): the next call gets a fresh one.
      throw new LucentError('UNAVAILABLE', `Worker of bundle ${this.bundle.id} ended: ${describeError(error)}`, undefined, { cause: error });
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
    if (reply.type === 'result') return { output: reply.output, events: reply.events };
    if (reply.type !== 'error') throw new LucentError('UNAVAILABLE', `Worker of bundle ${this.bundle.id} sent ${reply.type} for a call`);
    const { error } = reply;
    if (error.details?.thrown === true) throw new FunctionFailedError(name, new Error(error.details.reason ?? error.message));
    throw errorFromJSON(error);
  }

  /** Unload: calls still running are rejected with UNAVAILABLE and the thread ends. */
  async terminate(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.destroy();
  }
}
