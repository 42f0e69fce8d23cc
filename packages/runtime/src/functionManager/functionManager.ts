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
  type FunctionMap,
  type FunctionRules,
  type InvocationResult,
  type Logger,
  type ShardInfo,
  type TypedInvoke,
} from '@lucent/core';
import type { InvokeOptions, Invoker, Placement } from '../invoker/invoker.js';
import { businessAttributes, endWhenSettled, parentContext, sampledOut, SpanKind, spanParent, startSpan, traceparentOfSpan, tracingActive } from '../observability/tracing.js';
import { AsyncCall } from './asyncCall.js';
import { DeadlineWatch } from './deadlineWatch.js';
import type { FunctionExecutor, FunctionManagerOptions, FunctionObserver, ShadowObserver } from './functionManagerOptions.js';
import { FunctionTable, type Entry } from './functionTable.js';
import { runShadowed } from './shadowRuns.js';

export type { FunctionInfo, InvokeOptions } from '../invoker/invoker.js';
export type { FunctionExecutor, FunctionManagerOptions, FunctionObserver, ShadowCall, ShadowObserver } from './functionManagerOptions.js';

/** The in-process Invoker: runs a hosted function in this thread (or its worker pool), here and now. */
export class FunctionManager extends FunctionTable implements Invoker {
  private readonly clock: () => number;
  private readonly validateInput: boolean;
  private readonly validateOutput: boolean;
  private readonly defaultTimeoutMs: number;
  private readonly logger: Logger;
  private readonly shard: ShardInfo | (() => ShardInfo) | undefined;
  /** The shard id `placed` names, read from `shard` on the first call that asks. */
  private placedShard: string | undefined;
  private readonly heavyExecutor: FunctionExecutor | undefined;
  private readonly idPrefix: string;
  private readonly observer: FunctionObserver | undefined;
  private sequence = 0;
  private shadowObserver: ShadowObserver | undefined;
  private readonly deadlines = new DeadlineWatch();
  /** The clock is Date.now itself, so deadlines are already wall-clock times the watch can use as they are. */
  private readonly wallClock: boolean;

  constructor(options: FunctionManagerOptions = {}) {
    super();
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
    return runShadowed(this, observer, name, fn, shadow, input, options);
  }

  /** Run one known definition: validate, build the context, call, enforce the deadline. */
  run(fn: AnyFunctionDefinition, input: unknown, options?: InvokeOptions): Promise<InvocationResult<unknown>> {
    if (tracingActive()) return this.traced(fn, input, options);
    return this.untraced(fn, input, options);
  }

  /**
   * The call in a `function <name>` span; the function sees that span as ctx.span and its
   * traceparent (its log lines name it). The span is not made active: a pure function opens no
   * span of its own. A call outside any trace, or in one sampled out, runs as if tracing were off.
   */
  private traced(fn: AnyFunctionDefinition, input: unknown, options: InvokeOptions | undefined): Promise<InvocationResult<unknown>> {
    // Joins the trace its call names: every Lucent caller passes its traceparent, and a call that
    // names none (outside any trace) costs one check here, not a lookup of the active context.
    const given = options?.traceparent;
    if (given === undefined || sampledOut(given, false)) return this.untraced(fn, input, options);
    const caller = parentContext(given);
    if (spanParent(caller, false) === undefined) return this.untraced(fn, input, options);
    const span = startSpan(`function ${fn.name}`, SpanKind.INTERNAL, caller);
    if (!span.isRecording()) return this.untraced(fn, input, options);
    const correlationId = options?.correlationId ?? this.nextCorrelationId();
    const shard = this.shard === undefined ? 'local' : typeof this.shard === 'function' ? this.shard().id : this.shard.id;
    span.setAttributes(
      businessAttributes(options?.business, {
        'lucent.function.name': fn.name,
        'lucent.function.version': fn.version,
        'lucent.shard': shard,
        'lucent.correlation_id': correlationId,
        ...(options?.attempt !== undefined && { 'lucent.attempt': options.attempt }),
      }),
    );
    // ctx.span is this span unless the caller gave its own: what the function sets on it is exported.
    return endWhenSettled(span, this.untraced(fn, input, { ...options, correlationId, traceparent: traceparentOfSpan(span), span: options?.span ?? span }));
  }

  private untraced(fn: AnyFunctionDefinition, input: unknown, options: InvokeOptions | undefined): Promise<InvocationResult<unknown>> {
    const result = this.observer !== undefined ? this.observed(this.observer, fn, input, options) : this.execute(fn, input, options);
    // One undefined check on the common call; only a caller that asks where the call ran pays a `then`.
    const placed = options?.placed;
    return placed === undefined ? result : result.then((r) => this.tellPlaced(placed, fn, r));
  }

  private tellPlaced(placed: (where: Placement) => void, fn: AnyFunctionDefinition, result: InvocationResult<unknown>): InvocationResult<unknown> {
    if (this.placedShard === undefined) {
      const shard = this.shard;
      this.placedShard = shard === undefined ? 'local' : typeof shard === 'function' ? shard().id : shard.id;
    }
    try {
      placed({ shard: this.placedShard, version: fn.version });
    } catch (error) {
      // The call succeeded; a faulty listener must not turn it into a failure.
      this.logger.warn('placed listener threw', { function: fn.name, error: String(error) });
    }
    return result;
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
