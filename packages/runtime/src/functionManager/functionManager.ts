// FunctionManager: the in-process shell around pure functions — lookup, validation, deadline, typed errors.
import {
  DeadlineExceededError,
  FunctionDisabledError,
  FunctionFailedError,
  FunctionNotFoundError,
  InvocationContext,
  JurisdictionDeniedError,
  jurisdictionAllowed,
  LucentError,
  resultOf,
  selectVersion,
  silentLogger,
  validate,
  type AnyFunctionDefinition,
  type BusinessMetadata,
  type FunctionMap,
  type FunctionRules,
  type InvocationResult,
  type Logger,
  type ShardInfo,
  type TypedInvoke,
} from '@lucent/core';
import type { FunctionInfo, InvokeOptions } from '../invoker/invoker.js';
import { DeadlineWatch, type WatchedCall } from './deadlineWatch.js';

export type { FunctionInfo, InvokeOptions } from '../invoker/invoker.js';

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
  /** Told when each call starts and settles (metrics); absent, a call pays one undefined check. */
  readonly observer?: FunctionObserver;
}

/**
 * Watches calls from outside: `onStart` when a version has been chosen and the call begins, `onSettle`
 * once it resolves (`error` undefined) or rejects. Must not throw; runs on the caller's path, so keep it cheap.
 */
export interface FunctionObserver {
  /** Returns a token (e.g. a start time) handed back to `onSettle`. */
  onStart(fn: AnyFunctionDefinition): number;
  onSettle(fn: AnyFunctionDefinition, started: number, error: unknown): void;
}

interface Entry {
  readonly versions: Map<string, AnyFunctionDefinition>;
  active: AnyFunctionDefinition;
  enabled: boolean;
  /** Registry rules; when set, every call goes through version selection. Replaced whole, never mutated. */
  rules: FunctionRules | undefined;
}

/** A call whose rules named a shadow version, handed over once the live call has resolved. */
export interface ShadowCall {
  readonly name: string;
  readonly live: AnyFunctionDefinition;
  readonly shadow: AnyFunctionDefinition;
  readonly input: unknown;
  /** The live call's options, with the correlation id and clock reading the live run used. */
  readonly options: InvokeOptions;
  readonly result: InvocationResult<unknown>;
}

/** Receives shadow calls; must not throw and should do its work off the caller's path. */
export type ShadowObserver = (call: ShadowCall) => void;

/** One async call in flight, as the deadline watch sees it. */
/** One async call in flight: its caller's promise, settled once, by the handler or by the deadline watch. */
class AsyncCall implements WatchedCall {
  settled = false;
  constructor(
    readonly fn: AnyFunctionDefinition,
    /** The caller's deadline, or undefined when the call runs on its budget alone. */
    private readonly deadline: number | undefined,
    public expiresAt: number,
    readonly budgetMs: number,
    private readonly resolve: (result: InvocationResult<unknown>) => void,
    private readonly reject: (error: unknown) => void,
  ) {}

  succeed(result: InvocationResult<unknown>): void {
    this.settled = true;
    this.resolve(result);
  }

  fail(error: unknown): void {
    this.settled = true;
    this.reject(error);
  }

  expire(): void {
    if (this.settled) return;
    this.fail(new DeadlineExceededError(this.fn.name, this.deadline ?? this.expiresAt));
  }
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
  private readonly observer: FunctionObserver | undefined;
  private sequence = 0;
  private shadowObserver: ShadowObserver | undefined;
  private readonly deadlines = new DeadlineWatch();
  /** The clock is Date.now itself, so deadlines are already wall-clock times the watch can use as they are. */
  private readonly wallClock: boolean;

  constructor(options: FunctionManagerOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.wallClock = this.clock === Date.now;
    const v = options.validate ?? true;
    this.validateInput = typeof v === 'boolean' ? v : v.input;
    this.validateOutput = typeof v === 'boolean' ? v : v.output;
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 5_000;
    this.logger = options.logger ?? silentLogger;
    this.shard = options.shard;
    this.heavyExecutor = options.heavyExecutor;
    this.idPrefix = options.idPrefix ?? `${process.pid.toString(36)}-${Date.now().toString(36)}-`;
    this.observer = options.observer;
  }

  /** A reading of the manager's clock: what a function would see as ctx.now() if called now. */
  now(): number {
    return this.clock();
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
      this.entries.set(fn.name, { versions: new Map([[fn.version, fn]]), active: fn, enabled: true, rules: undefined });
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

  /**
   * Remove one version (a withdrawn bundle's). The active version is never removed: false then, and
   * for an unknown version. A call that already started keeps its definition and finishes.
   */
  unregister(name: string, version: string): boolean {
    const entry = this.entries.get(name);
    if (entry === undefined || entry.active.version === version || !entry.versions.has(version)) return false;
    entry.versions.delete(version);
    return true;
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
    if (entry.rules !== undefined) return this.invokeByRules(entry, entry.rules, name, input, options);
    if (!entry.enabled) return Promise.reject(new FunctionDisabledError(name));
    let fn = entry.active;
    if (options?.version !== undefined && options.version !== fn.version) {
      const chosen = entry.versions.get(options.version);
      if (chosen === undefined) return Promise.reject(new FunctionNotFoundError(name, options.version));
      fn = chosen;
    }
    if (fn.meta.jurisdictions !== undefined && !jurisdictionAllowed(fn.meta.jurisdictions, options?.business?.jurisdiction)) {
      return Promise.reject(new JurisdictionDeniedError(name, options?.business?.jurisdiction));
    }
    return this.run(fn, input, options);
  }

  /**
   * Install (or with undefined, remove) a function's registry rules; one assignment, so a call sees
   * either the old rules or the new ones. Returns false when the function is not registered here.
   */
  applyRules(name: string, rules: FunctionRules | undefined): boolean {
    const entry = this.entries.get(name);
    if (entry === undefined) return false;
    if (rules === undefined) {
      // Assigned, not deleted: every entry keeps one object shape, so the call site stays monomorphic.
      entry.rules = undefined;
      return true;
    }
    entry.active = entry.versions.get(rules.active) ?? entry.active;
    entry.enabled = rules.enabled;
    entry.rules = rules;
    return true;
  }

  rulesOf(name: string): FunctionRules | undefined {
    return this.entries.get(name)?.rules;
  }

  /**
   * The version `invoke` would run for a call with this business metadata: the registry rules'
   * choice (the same for the same business keys) or the active version. Undefined when the name
   * is unknown or the rules refuse the call; `invoke` then says why.
   */
  versionFor(name: string, business?: BusinessMetadata): string | undefined {
    const entry = this.entries.get(name);
    if (entry === undefined) return undefined;
    if (entry.rules === undefined) return entry.active.version;
    const selection = selectVersion(entry.rules, business ?? {});
    return 'denied' in selection ? undefined : selection.version;
  }

  setShadowObserver(observer: ShadowObserver | undefined): void {
    this.shadowObserver = observer;
  }

  /** The slow path, taken only by functions with rules: selection by the pure core, then the usual run. */
  private invokeByRules(
    entry: Entry,
    rules: FunctionRules,
    name: string,
    input: unknown,
    options: InvokeOptions | undefined,
  ): Promise<InvocationResult<unknown>> {
    const selection = selectVersion(rules, options?.business ?? {});
    if ('denied' in selection) {
      return Promise.reject(
        selection.denied === 'FUNCTION_DISABLED'
          ? new FunctionDisabledError(name)
          : new JurisdictionDeniedError(name, options?.business?.jurisdiction),
      );
    }
    // A pinned version (a replay) skips the weights but not the kill switch or the jurisdiction.
    const version = options?.version ?? selection.version;
    const fn = entry.versions.get(version);
    if (fn === undefined) return Promise.reject(new FunctionNotFoundError(name, version));
    if (fn.meta.jurisdictions !== undefined && !jurisdictionAllowed(fn.meta.jurisdictions, options?.business?.jurisdiction)) {
      return Promise.reject(new JurisdictionDeniedError(name, options?.business?.jurisdiction));
    }
    const shadow = selection.shadow === undefined ? undefined : entry.versions.get(selection.shadow);
    const observer = this.shadowObserver;
    if (shadow === undefined || observer === undefined || shadow === fn) return this.run(fn, input, options);
    // The shadow must see the same seed and clock reading as the live run, or pure outputs could differ.
    const pinned: InvokeOptions = {
      ...options,
      correlationId: options?.correlationId ?? this.idPrefix + (++this.sequence).toString(36),
      now: options?.now ?? this.clock(),
    };
    const live = this.run(fn, input, pinned);
    live.then(
      (result) => observer({ name, live: fn, shadow, input, options: pinned, result }),
      () => undefined,
    );
    return live;
  }

  /** Run one known definition: validate, build the context, call, enforce the deadline. */
  run(fn: AnyFunctionDefinition, input: unknown, options?: InvokeOptions): Promise<InvocationResult<unknown>> {
    if (this.observer !== undefined) return this.observed(this.observer, fn, input, options);
    return this.execute(fn, input, options);
  }

  private observed(
    observer: FunctionObserver,
    fn: AnyFunctionDefinition,
    input: unknown,
    options: InvokeOptions | undefined,
  ): Promise<InvocationResult<unknown>> {
    const started = observer.onStart(fn);
    return this.execute(fn, input, options).then(
      (result) => {
        observer.onSettle(fn, started, undefined);
        return result;
      },
      (error: unknown) => {
        observer.onSettle(fn, started, error);
        throw error;
      },
    );
  }

  private execute(fn: AnyFunctionDefinition, input: unknown, options: InvokeOptions | undefined): Promise<InvocationResult<unknown>> {
    const budget = options?.timeoutMs ?? fn.meta.timeoutMs ?? this.defaultTimeoutMs;
    // The common call (no clock reading, deadline or timeout given, the manager's default budget)
    // reads no clock here: the context reads it if the function asks, the deadline watch at its
    // next turn. A clock read costs more than the whole call on some VMs.
    let now: number | undefined;
    let deadline: number | undefined;
    if (
      options?.deadline !== undefined ||
      options?.now !== undefined ||
      options?.timeoutMs !== undefined ||
      fn.meta.timeoutMs !== undefined ||
      !(budget > 0) ||
      (fn.meta.heavy === true && this.heavyExecutor !== undefined)
    ) {
      // `now` is the reading handed to the function (a replay passes the recorded one); the
      // deadline is always on the manager's own clock, or a replayed call would expire at once.
      const wall = this.clock();
      now = options?.now ?? wall;
      deadline = options?.deadline ?? wall + budget;
      if (wall >= deadline) return Promise.reject(new DeadlineExceededError(fn.name, deadline));
    }

    let parsed: unknown = input;
    if (this.validateInput) {
      try {
        parsed = validate(fn.input, input, 'input', fn.name);
      } catch (error) {
        return Promise.reject(error);
      }
      if (parsed instanceof Promise) {
        return parsed.then((value) => this.call(fn, value, now, deadline, budget, options));
      }
    }
    return this.call(fn, parsed, now, deadline, budget, options);
  }

  /** A fresh correlation id; a call without one gets it only when something reads ctx.execution. */
  nextCorrelationId(): string {
    return this.idPrefix + (++this.sequence).toString(36);
  }

  /** `now` and `deadline` are undefined together: the call runs on its budget, timed lazily. */
  private call(
    fn: AnyFunctionDefinition,
    input: unknown,
    now: number | undefined,
    deadline: number | undefined,
    budget: number,
    options: InvokeOptions | undefined,
  ): Promise<InvocationResult<unknown>> {
    const ctx =
      now === undefined || deadline === undefined
        ? new InvocationContext({
            now: this.clock,
            seed: options?.seed,
            business: options?.business,
            shard: this.shard,
            log: this.logger,
            span: options?.span,
            // InvokeOptions carries the execution fields under the same names; deadline is unset here.
            execution: options,
            timeoutMs: budget,
            correlationIds: this,
          })
        : new InvocationContext({
            now,
            seed: options?.seed,
            business: options?.business,
            shard: this.shard,
            log: this.logger,
            span: options?.span,
            execution: {
              correlationId: options?.correlationId,
              causationId: options?.causationId,
              traceparent: options?.traceparent,
              deadline,
              attempt: options?.attempt,
            },
            correlationIds: this,
          });
    if (deadline !== undefined && fn.meta.heavy === true && this.heavyExecutor !== undefined) {
      return this.heavyExecutor.run(fn, input, ctx).then((r) => this.finish(fn, r.output, r.events, deadline));
    }
    let out: unknown;
    try {
      out = fn.handler(input, ctx);
    } catch (error) {
      return Promise.reject(this.failure(fn, error));
    }
    if (out instanceof Promise) return this.settleAsync(fn, out, ctx, now, deadline, budget);
    if (deadline !== undefined && deadline !== Number.POSITIVE_INFINITY && this.clock() > deadline) {
      // A synchronous function cannot be interrupted in this thread; its late result is discarded.
      // Checked against a given deadline or timeout; on the manager's default budget a sync call is not timed.
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
    now: number | undefined,
    deadline: number | undefined,
    budget: number,
  ): Promise<InvocationResult<unknown>> {
    const expiresAt =
      now === undefined || deadline === undefined
        ? budget === Number.POSITIVE_INFINITY
          ? budget
          : Number.NaN
        : this.wallClock
          ? deadline
          : Date.now() + (deadline - now);
    // One deferred per call is what a hard deadline costs: a promise chained on the handler's
    // could never be rejected while the handler hangs. The timer is shared (DeadlineWatch).
    return new Promise((resolve, reject) => {
      const call = new AsyncCall(fn, deadline, expiresAt, budget, resolve, reject);
      if (expiresAt !== Number.POSITIVE_INFINITY) this.deadlines.watch(call);
      pending.then(
        (out) => {
          if (call.settled) return;
          try {
            call.succeed(this.checkOutput(fn, out, ctx));
          } catch (error) {
            call.fail(error);
          }
        },
        (error: unknown) => {
          if (!call.settled) call.fail(this.failure(fn, error));
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
