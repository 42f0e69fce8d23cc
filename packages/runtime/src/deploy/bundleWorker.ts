// One worker thread running one verified bundle: start it, call its functions, contain its failures.
import { Worker } from 'node:worker_threads';
import {
  DeadlineExceededError,
  errorFromJSON,
  FunctionFailedError,
  LucentError,
  silentLogger,
  type DomainEvent,
  type FunctionContext,
  type FunctionMeta,
  type Logger,
  type SerializedError,
  ValidationError,
} from '@lucent/core';
import { BundleRejectedError } from './bundleRejectedError.js';
import { bundleWorkerSource } from './bundleWorkerSource.js';
import type { VerifiedBundle } from './verifyBundle.js';

export interface WorkerFunctionInfo {
  readonly name: string;
  readonly version: string;
  readonly meta: FunctionMeta;
}

export interface BundleWorkerOptions {
  /** A bundle whose top level does not finish loading in time is refused (default 10 s). */
  readonly loadTimeoutMs?: number;
  /** After a call's deadline plus this grace the thread is presumed stuck and is replaced (default 1 s). */
  readonly stuckGraceMs?: number;
  readonly logger?: Logger;
  readonly resourceLimits?: { readonly maxOldGenerationSizeMb?: number };
}

interface Pending {
  resolve(value: { output: unknown; events: readonly DomainEvent[] }): void;
  reject(error: LucentError): void;
  timer: NodeJS.Timeout | undefined;
  name: string;
}

type FromWorker =
  | { type: 'ready'; functions: WorkerFunctionInfo[] }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; output: unknown; events: DomainEvent[] }
  | { type: 'error'; id: number; error: SerializedError & { details?: { thrown?: boolean; reason?: string } } }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; message: string; fields?: Record<string, unknown> };

const workerUrl = new URL(`data:text/javascript,${encodeURIComponent(bundleWorkerSource)}`);

/** The seed a context was built with; InvocationContext keeps it private, and a worker must reproduce it. */
function seedOf(ctx: FunctionContext): string {
  const seed: unknown = Reflect.get(ctx, 'seed');
  return typeof seed === 'string' ? seed : ctx.execution.correlationId;
}

export class BundleWorker {
  private worker: Worker | undefined;
  private starting: Promise<Worker> | undefined;
  private readonly pending = new Map<number, Pending>();
  private sequence = 0;
  private closed = false;
  private readonly logger: Logger;
  private readonly loadTimeoutMs: number;
  private readonly stuckGraceMs: number;

  private constructor(
    readonly bundle: VerifiedBundle,
    readonly functions: readonly WorkerFunctionInfo[],
    worker: Worker,
    private readonly options: BundleWorkerOptions,
  ) {
    this.logger = options.logger ?? silentLogger;
    this.loadTimeoutMs = options.loadTimeoutMs ?? 10_000;
    this.stuckGraceMs = options.stuckGraceMs ?? 1_000;
    this.attach(worker);
  }

  /** Start a thread on the bundle and wait for its function list; rejects with BundleRejectedError('load-failed'). */
  static async start(bundle: VerifiedBundle, options: BundleWorkerOptions = {}): Promise<BundleWorker> {
    const { worker, functions } = await BundleWorker.spawn(bundle, options);
    return new BundleWorker(bundle, functions, worker, options);
  }

  private static spawn(
    bundle: VerifiedBundle,
    options: BundleWorkerOptions,
  ): Promise<{ worker: Worker; functions: WorkerFunctionInfo[] }> {
    const worker = new Worker(workerUrl, {
      workerData: { code: bundle.code, sha256: bundle.manifest.bundle.sha256 },
      ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
      // The bundle gets no stdin and no copy of this process's environment variables.
      env: {},
      stdin: false,
    });
    return new Promise((resolve, reject) => {
      // Remove only our own listeners: a Worker keeps internal ones (port ref-counting) that must stay.
      const detach = (): void => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      const fail = (why: string): void => {
        detach();
        void worker.terminate();
        reject(new BundleRejectedError(bundle.id, 'load-failed', why));
      };
      const onMessage = (message: FromWorker): void => {
        if (message.type === 'ready') {
          detach();
          resolve({ worker, functions: message.functions });
        } else if (message.type === 'failed') fail(message.message);
      };
      const onError = (error: Error): void => fail(error.message);
      const onExit = (code: number): void => fail(`worker exited with code ${code} while loading`);
      const timeoutMs = options.loadTimeoutMs ?? 10_000;
      const timer = setTimeout(() => fail(`not loaded within ${timeoutMs} ms`), timeoutMs);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
  }

  private attach(worker: Worker): void {
    this.worker = worker;
    worker.on('message', (message: FromWorker) => this.receive(message));
    worker.on('error', (error) => this.logger.error('bundle worker crashed', { bundle: this.bundle.id, error: error.message }));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = undefined;
      this.failAll(new LucentError('UNAVAILABLE', `Worker of bundle ${this.bundle.id} exited (code ${code})`));
    });
  }

  private receive(message: FromWorker): void {
    if (message.type === 'log') {
      this.logger[message.level](message.message, { bundle: this.bundle.id, ...message.fields });
      return;
    }
    if (message.type !== 'result' && message.type !== 'error') return;
    const call = this.pending.get(message.id);
    if (!call) return;
    this.pending.delete(message.id);
    if (call.timer) clearTimeout(call.timer);
    if (message.type === 'result') call.resolve({ output: message.output, events: message.events });
    else if (message.error.details?.thrown === true) call.reject(new FunctionFailedError(call.name, new Error(message.error.details.reason ?? message.error.message)));
    else call.reject(errorFromJSON(message.error));
  }

  private failAll(error: LucentError): void {
    for (const [id, call] of this.pending) {
      if (call.timer) clearTimeout(call.timer);
      call.reject(error);
      this.pending.delete(id);
    }
  }

  /** A live thread: the current one, or a fresh one when the last died (a stuck call, an exit in the bundle). */
  private live(): Promise<Worker> {
    if (this.closed) return Promise.reject(new LucentError('UNAVAILABLE', `Bundle ${this.bundle.id} is unloaded`));
    if (this.worker) return Promise.resolve(this.worker);
    this.starting ??= BundleWorker.spawn(this.bundle, { ...this.options, loadTimeoutMs: this.loadTimeoutMs }).then(
      ({ worker }) => {
        this.starting = undefined;
        if (this.closed) {
          void worker.terminate();
          throw new LucentError('UNAVAILABLE', `Bundle ${this.bundle.id} is unloaded`);
        }
        this.attach(worker);
        return worker;
      },
      (error: unknown) => {
        this.starting = undefined;
        throw new LucentError('UNAVAILABLE', `Worker of bundle ${this.bundle.id} did not restart`, undefined, { cause: error });
      },
    );
    return this.starting;
  }

  /** Run `name@version` in the thread with the caller's context; events come back as data. */
  async call(name: string, version: string, input: unknown, ctx: FunctionContext): Promise<{ output: unknown; events: readonly DomainEvent[] }> {
    const worker = await this.live();
    const id = ++this.sequence;
    const deadline = ctx.execution.deadline;
    const context = {
      now: ctx.now(),
      seed: seedOf(ctx),
      business: ctx.business,
      shard: ctx.shard,
      execution: ctx.execution,
    };
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      if (Number.isFinite(deadline)) {
        // A synchronous loop cannot be interrupted inside the thread: past its deadline, replace the thread.
        timer = setTimeout(() => {
          if (!this.pending.has(id)) return;
          this.pending.delete(id);
          reject(new DeadlineExceededError(name, deadline));
          this.logger.warn('bundle worker stuck past a deadline; replacing it', { bundle: this.bundle.id, function: name });
          if (this.worker === worker) this.worker = undefined;
          void worker.terminate();
        }, Math.max(0, deadline - Date.now()) + this.stuckGraceMs);
      }
      this.pending.set(id, { resolve, reject, timer, name });
      try {
        worker.postMessage({ type: 'call', id, name, version, input, context });
      } catch (error) {
        this.pending.delete(id);
        if (timer) clearTimeout(timer);
        reject(new ValidationError('input', name, [{ path: '', message: `cannot be copied to a worker thread: ${String(error)}` }]));
      }
    });
  }

  async terminate(): Promise<void> {
    this.closed = true;
    this.failAll(new LucentError('UNAVAILABLE', `Bundle ${this.bundle.id} is unloaded`));
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }
}
