// FunctionManager: the in-process shell around pure functions — lookup, validation, deadline, typed errors.
import {
  DeadlineExceededError,
  FunctionDisabledError,
  FunctionFailedError,
  FunctionNotFoundError,
  InvocationContext,
  JurisdictionDeniedError,
  LucentError,
  resultOf,
  silentLogger,
  validate,
  type AnyFunctionDefinition,
  type BusinessMetadata,
  type FunctionMap,
  type InvocationResult,
  type Logger,
  type ShardInfo,
  type Span,
  type TypedInvoke,
} from '@lucent/core';

export interface InvokeOptions {
  /** Exact version to run; the active version when omitted. */
  readonly version?: string;
  readonly business?: BusinessMetadata;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly traceparent?: string;
  /** Absolute deadline, epoch ms. Wins over timeoutMs. */
  readonly deadline?: number;
  readonly timeoutMs?: number;
  readonly attempt?: number;
  /** Seed for ctx.random()/ctx.newId(); defaults to the correlation id. */
  readonly seed?: string;
  /** Clock reading to hand the function; defaults to the manager's clock. Replays pass the recorded one. */
  readonly now?: number;
  readonly span?: Span;
}

/** Runs a function somewhere other than this thread (a worker pool, a remote shard). */
export interface FunctionExecutor {
  run(fn: AnyFunctionDefinition, input: unknown, ctx: InvocationContext): Promise<InvocationResult<unknown>>;
}

export interface FunctionManagerOptions {
  /** Wall clock, epoch ms. The shell owns the clock; functions see a reading of it. */
  readonly clock?: () => number;
  /** Validate inputs and outputs at the boundary (default true for both). */
  readonly validate?: boolean | { readonly input: boolean; readonly output: boolean };
  readonly defaultTimeoutMs?: number;
  readonly logger?: Logger;
  readonly shard?: ShardInfo;
  /** Where functions marked `heavy` run; in-thread when absent. */
  readonly heavyExecutor?: FunctionExecutor;
  /** Prefix of generated correlation ids; make it unique per process. */
  readonly idPrefix?: string;
}

interface Entry {
  readonly versions: Map<string, AnyFunctionDefinition>;
  active: AnyFunctionDefinition;
  enabled: boolean;
}

export interface FunctionInfo {
  readonly name: string;
  readonly activeVersion: string;
  readonly versions: readonly string[];
  readonly enabled: boolean;
}

function jurisdictionAllowed(fn: AnyFunctionDefinition, jurisdiction: string | undefined): boolean {
  const rule = fn.meta.jurisdictions;
  if (!rule) return true;
  if (rule.deny && jurisdiction !== undefined && rule.deny.includes(jurisdiction)) return false;
  if (rule.allow) return jurisdiction !== undefined && rule.allow.includes(jurisdiction);
  return true;
}

export class FunctionManager {
  private readonly entries = new Map<string, Entry>();
  private readonly clock: () => number;
  private readonly validateInput: boolean;
  private readonly validateOutput: boolean;
  private readonly defaultTimeoutMs: number;
  private readonly logger: Logger;
  private readonly shard: ShardInfo | undefined;
  private readonly heavyExecutor: FunctionExecutor | undefined;
  private readonly idPrefix: string;
  private sequence = 0;

  constructor(options: FunctionManagerOptions = {}) {
    this.clock = options.clock ?? Date.now;
    const v = options.validate ?? true;
    this.validateInput = typeof v === 'boolean' ? v : v.input;
    this.validateOutput = typeof v === 'boolean' ? v : v.output;
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 5_000;
    this.logger = options.logger ?? silentLogger;
    this.shard = options.shard;
    this.heavyExecutor = options.heavyExecutor;
    this.idPrefix = options.idPrefix ?? `${process.pid.toString(36)}-${Date.now().toString(36)}-`;
  }

  /** Register definitions (or a generated map of them). The first version of a name becomes active. */
  register(...defs: readonly (AnyFunctionDefinition | FunctionMap)[]): this {
    for (const item of defs) {
      if ((item as AnyFunctionDefinition).kind === 'lucent.function') this.add(item as AnyFunctionDefinition);
      else for (const fn of Object.values(item as FunctionMap)) this.add(fn);
    }
    return this;
  }

  private add(fn: AnyFunctionDefinition): void {
    const entry = this.entries.get(fn.name);
    if (!entry) {
      this.entries.set(fn.name, { versions: new Map([[fn.version, fn]]), active: fn, enabled: true });
      return;
    }
    const existing = entry.versions.get(fn.version);
    if (existing && existing !== fn) {
      throw new LucentError('CONFLICT', `${fn.name}@${fn.version} is already registered with a different definition`);
    }
    entry.versions.set(fn.version, fn);
  }

  lookup(name: string, version?: string): AnyFunctionDefinition {
    const entry = this.entries.get(name);
    if (!entry) throw new FunctionNotFoundError(name);
    if (version === undefined) return entry.active;
    const fn = entry.versions.get(version);
    if (!fn) throw new FunctionNotFoundError(name, version);
    return fn;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  list(): FunctionInfo[] {
    return [...this.entries.entries()].map(([name, e]) => ({
      name,
      activeVersion: e.active.version,
      versions: [...e.versions.keys()],
      enabled: e.enabled,
    }));
  }

  activate(name: string, version: string): void {
    const entry = this.entries.get(name);
    const fn = entry?.versions.get(version);
    if (!entry || !fn) throw new FunctionNotFoundError(name, version);
    entry.active = fn;
  }

  setEnabled(name: string, enabled: boolean): void {
    const entry = this.entries.get(name);
    if (!entry) throw new FunctionNotFoundError(name);
    entry.enabled = enabled;
  }

  /** A view of `invoke` typed by a generated registry: wrong names and inputs fail to compile. */
  typed<R extends FunctionMap>(): TypedInvoke<R, InvokeOptions> {
    return this.invoke.bind(this) as TypedInvoke<R, InvokeOptions>;
  }

  /**
   * Invoke a function by name. Resolves to `{ output, events }`; rejects only with a
   * LucentError (never throws synchronously, never crashes the process).
   */
  invoke(name: string, input: unknown, options?: InvokeOptions): Promise<InvocationResult<unknown>> {
    const entry = this.entries.get(name);
    if (entry === undefined) return Promise.reject(new FunctionNotFoundError(name));
    if (!entry.enabled) return Promise.reject(new FunctionDisabledError(name));
    let fn = entry.active;
    if (options?.version !== undefined && options.version !== fn.version) {
      const chosen = entry.versions.get(options.version);
      if (chosen === undefined) return Promise.reject(new FunctionNotFoundError(name, options.version));
      fn = chosen;
    }
    if (fn.meta.jurisdictions !== undefined && !jurisdictionAllowed(fn, options?.business?.jurisdiction)) {
      return Promise.reject(new JurisdictionDeniedError(name, options?.business?.jurisdiction));
    }
    return this.run(fn, input, options);
  }

  /** Run one known definition: validate, build the context, call, enforce the deadline. */
  run(fn: AnyFunctionDefinition, input: unknown, options?: InvokeOptions): Promise<InvocationResult<unknown>> {
    const now = options?.now ?? this.clock();
    const deadline = options?.deadline ?? now + (options?.timeoutMs ?? fn.meta.timeoutMs ?? this.defaultTimeoutMs);
    if (now >= deadline) return Promise.reject(new DeadlineExceededError(fn.name, deadline));

    let parsed: unknown = input;
    if (this.validateInput) {
      try {
        parsed = validate(fn.input, input, 'input', fn.name);
      } catch (error) {
        return Promise.reject(error);
      }
      if (parsed instanceof Promise) {
        return parsed.then((value) => this.call(fn, value, now, deadline, options));
      }
    }
    return this.call(fn, parsed, now, deadline, options);
  }

  private call(
    fn: AnyFunctionDefinition,
    input: unknown,
    now: number,
    deadline: number,
    options: InvokeOptions | undefined,
  ): Promise<InvocationResult<unknown>> {
    const correlationId = options?.correlationId ?? this.idPrefix + (++this.sequence).toString(36);
    const ctx = new InvocationContext({
      now,
      seed: options?.seed,
      business: options?.business,
      shard: this.shard,
      log: this.logger,
      span: options?.span,
      execution: {
        correlationId,
        causationId: options?.causationId,
        traceparent: options?.traceparent,
        deadline,
        attempt: options?.attempt ?? 1,
      },
    });
    if (fn.meta.heavy === true && this.heavyExecutor !== undefined) {
      return this.heavyExecutor.run(fn, input, ctx).then((r) => this.finish(fn, r.output, r.events, deadline));
    }
    let out: unknown;
    try {
      out = fn.handler(input, ctx);
    } catch (error) {
      return Promise.reject(this.failure(fn, error));
    }
    if (out instanceof Promise) return this.settleAsync(fn, out, ctx, deadline);
    if (deadline !== Number.POSITIVE_INFINITY && this.clock() > deadline) {
      // A synchronous function cannot be interrupted in this thread; its late result is discarded.
      return Promise.reject(new DeadlineExceededError(fn.name, deadline));
    }
    try {
      return Promise.resolve(this.checkOutput(fn, out, ctx));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private checkOutput(fn: AnyFunctionDefinition, out: unknown, ctx: InvocationContext): InvocationResult<unknown> {
    if (!this.validateOutput) return resultOf(out, ctx);
    const checked = validate(fn.output, out, 'output', fn.name);
    if (checked instanceof Promise) {
      throw new LucentError('FUNCTION_FAILED', `Output contract of ${fn.name} is asynchronous; use a synchronous schema`);
    }
    return resultOf(checked, ctx);
  }

  private finish(
    fn: AnyFunctionDefinition,
    output: unknown,
    events: InvocationResult<unknown>['events'],
    deadline: number,
  ): InvocationResult<unknown> {
    if (this.clock() > deadline) throw new DeadlineExceededError(fn.name, deadline);
    const checked = this.validateOutput ? validate(fn.output, output, 'output', fn.name) : output;
    return { output: checked, events };
  }

  private settleAsync(
    fn: AnyFunctionDefinition,
    pending: Promise<unknown>,
    ctx: InvocationContext,
    deadline: number,
  ): Promise<InvocationResult<unknown>> {
    return new Promise((resolve, reject) => {
      const remaining = deadline - this.clock();
      const timer =
        deadline === Number.POSITIVE_INFINITY
          ? undefined
          : setTimeout(() => reject(new DeadlineExceededError(fn.name, deadline)), Math.max(0, remaining));
      pending.then(
        (out) => {
          if (timer) clearTimeout(timer);
          try {
            resolve(this.checkOutput(fn, out, ctx));
          } catch (error) {
            reject(error);
          }
        },
        (error: unknown) => {
          if (timer) clearTimeout(timer);
          reject(this.failure(fn, error));
        },
      );
    });
  }

  private failure(fn: AnyFunctionDefinition, error: unknown): LucentError {
    // A LucentError thrown on purpose (a domain rejection) keeps its code; anything else is a failure.
    if (error instanceof LucentError) return error;
    this.logger.warn('function threw', { function: fn.name, version: fn.version, error: String(error) });
    return new FunctionFailedError(fn.name, error);
  }
}
