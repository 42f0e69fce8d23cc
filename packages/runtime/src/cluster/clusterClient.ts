// ClusterClient: invokes functions on remote shards — routing policy per call, failover within the deadline, breaker per shard.
import {
  DeadlineExceededError,
  FunctionNotFoundError,
  LucentError,
  chooseShard,
  rankShards,
  routingDeniedError,
  routingFactsOf,
  silentLogger,
  tuningWith,
  validate,
  type AnyFunctionDefinition,
  type FunctionMap,
  type InvocationResult,
  type Logger,
  type RoutingCall,
  type RoutingDecision,
  type RoutingRule,
  type RoutingTuning,
  type TypedInvoke,
} from '@lucent/core';
import type { FunctionInfo, InvokeOptions, Invoker, Placement } from '../invoker/invoker.js';
import { businessAttributes, inSpan, parentContext, sampledOut, SpanKind, spanParent, traceparentOf, traceparentOfSpan, tracingActive } from '../observability/tracing.js';
import type { RemoteCall, RemoteReply, Transport } from '../transport/transport.js';
import { isTransportFailure, reviveError, shardUnavailable } from '../transport/wireErrors.js';
import { isPlainCall, routingCallFor } from './callRouting.js';
import { CallProgress } from './callProgress.js';
import { clusterFunctions } from './clusterFunctions.js';
import type { ClusterRegistry, SelectedCall } from './clusterRegistry.js';
import { ShardBreakers } from './shardBreakers.js';
import type { ClusterClientOptions, RemoteInvokeOptions } from './clusterClientOptions.js';
import { ShardDirectory } from './shardDirectory.js';

export type { ClusterClientOptions, RemoteInvokeOptions } from './clusterClientOptions.js';

// Errors from a shard that say "not here" rather than "no": another shard may well answer.
const tryElsewhere = new Set(['UNAVAILABLE', 'FUNCTION_NOT_FOUND', 'FUNCTION_DISABLED']);
// Replies that say the shard misbehaved, which the routing policy should weigh against it.
const shardFaults = new Set(['FUNCTION_FAILED', 'UNAVAILABLE']);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The remote Invoker: runs a function on the best live shard over a transport. */
export class ClusterClient implements Invoker {
  readonly directory: ShardDirectory;
  private readonly transport: Transport;
  private readonly functions: FunctionMap | undefined;
  private readonly rules: readonly RoutingRule[];
  private readonly registry: ClusterRegistry | undefined;
  private readonly tuning: Partial<RoutingTuning> | undefined;
  private readonly linkHalfLifeMs: number;
  private readonly breakers: ShardBreakers;
  private readonly attemptTimeoutMs: number | undefined;
  private readonly maxAttempts: number;
  private readonly waitForShardsMs: number;
  private readonly defaultTimeoutMs: number;
  private readonly validateInput: boolean;
  private readonly validateOutput: boolean;
  private readonly clock: () => number;
  private readonly random: () => number;
  private readonly logger: Logger;
  private readonly idPrefix: string;
  private readonly plainRouting = new Map<string, RoutingCall>();
  private sequence = 0;

  constructor(options: ClusterClientOptions) {
    this.transport = options.transport;
    this.functions = options.functions;
    this.rules = options.rules ?? [];
    this.registry = options.registry;
    this.tuning = options.tuning;
    this.linkHalfLifeMs = tuningWith(options.tuning).linkHalfLifeMs;
    this.clock = options.clock ?? Date.now;
    this.random = options.random ?? Math.random;
    this.breakers = new ShardBreakers(options.breaker);
    this.attemptTimeoutMs = options.attemptTimeoutMs;
    this.maxAttempts = options.maxAttempts ?? 4;
    this.waitForShardsMs = options.waitForShardsMs ?? 2_000;
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 5_000;
    const v = options.validate ?? true;
    this.validateInput = typeof v === 'boolean' ? v : v.input;
    this.validateOutput = typeof v === 'boolean' ? v : v.output;
    this.logger = options.logger ?? silentLogger;
    this.idPrefix = options.idPrefix ?? `${process.pid.toString(36)}-${Date.now().toString(36)}-c`;
    this.directory = new ShardDirectory(this.transport, { liveness: options.liveness, clock: this.clock });
    this.directory.onDrop((id, reason) => {
      this.breakers.forget(id);
      // Calls still waiting on a silent shard fail over now instead of at their wait limit; a draining
      // one answers the calls it holds (a graceful stop), so they are left to finish.
      if (reason === 'silent' && this.directory.view.inFlight.has(id)) this.transport.abandon(id, shardUnavailable(id, 'it stopped reporting'));
    });
  }

  /** Breaker state of every live shard and of every shard whose circuit is not closed (metrics). */
  breakerStates(): { readonly shard: string; readonly state: 'closed' | 'open' | 'half-open' }[] {
    const notClosed = this.breakers.states();
    const out: { shard: string; state: 'closed' | 'open' | 'half-open' }[] = [...notClosed];
    for (const shard of this.directory.candidates()) {
      if (!notClosed.some((b) => b.shard === shard)) out.push({ shard, state: 'closed' });
    }
    return out;
  }

  /** Resolve once `count` shards have reported (a caller that starts with its shards waits here). */
  ready(count = 1, timeoutMs = 10_000): Promise<void> {
    return this.directory.waitFor(count, timeoutMs);
  }

  /** A view of `invoke` typed by a generated registry: wrong names and inputs fail to compile. */
  typed<R extends FunctionMap>(): TypedInvoke<R, InvokeOptions> {
    return this.invoke.bind(this) as TypedInvoke<R, InvokeOptions>;
  }

  /** The functions live shards report, with the definitions this caller was given. */
  list(): readonly FunctionInfo[] {
    return clusterFunctions(this.directory.reports.values(), this.functions, (name) => this.registry?.rulesOf(name));
  }

  /** A definition this caller was given (its contracts and metadata); a remote-only function has none here. */
  lookup(name: string, version?: string): AnyFunctionDefinition {
    const fn = this.functions?.[name];
    if (fn === undefined) throw new FunctionNotFoundError(name);
    if (version !== undefined && version !== fn.version) throw new FunctionNotFoundError(name, version);
    return fn;
  }

  /**
   * Run a function on the best shard. Resolves to `{ output, events }`; rejects only with a
   * LucentError, and never later than the deadline.
   */
  invoke(name: string, input: unknown, options: RemoteInvokeOptions = {}): Promise<InvocationResult<unknown>> {
    if (tracingActive()) return this.traced(name, input, options);
    return this.invokeUntraced(name, input, options);
  }

  private invokeUntraced(name: string, input: unknown, options: RemoteInvokeOptions): Promise<InvocationResult<unknown>> {
    try {
      return this.start(name, input, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The call in a client span (its failover included): the call carries that span's traceparent, so
   * the shard's server span is its child. The shard that answered and the version it ran are set on it.
   */
  private traced(name: string, input: unknown, options: RemoteInvokeOptions): Promise<InvocationResult<unknown>> {
    if (sampledOut(options.traceparent, true)) return this.invokeUntraced(name, input, options);
    const caller = parentContext(options.traceparent);
    const parent = spanParent(caller, true);
    if (parent === undefined) {
      // Sampled out: the call carries its trace's traceparent, so the shard skips its spans too.
      const traceparent = traceparentOf(caller, options.traceparent);
      return this.invokeUntraced(name, input, traceparent === options.traceparent ? options : { ...options, traceparent });
    }
    const correlationId = options.correlationId ?? this.idPrefix + (++this.sequence).toString(36);
    const attributes = () =>
      businessAttributes(options.business, { 'lucent.function.name': name, 'lucent.correlation_id': correlationId, ...(options.version !== undefined && { 'lucent.function.version': options.version }) });
    return inSpan(`call ${name}`, SpanKind.CLIENT, parent, attributes, (span) => {
      const given = options.placed;
      const placed = !span.isRecording()
        ? given
        : (where: Placement) => {
            span.setAttributes({ 'lucent.shard': where.shard, 'lucent.function.version': where.version });
            given?.(where);
          };
      return this.start(name, input, { ...options, correlationId, traceparent: traceparentOfSpan(span), ...(placed !== undefined && { placed }) });
    });
  }

  async close(): Promise<void> {
    this.directory.close();
    const closed = new LucentError('UNAVAILABLE', 'The cluster client was closed');
    for (const shardId of [...this.directory.view.inFlight.keys()]) this.transport.abandon(shardId, closed);
  }

  /**
   * Not async, and the retry loop lives apart (`retry`): the common call — synchronous contract,
   * every circuit closed, the first shard answers — then costs the transport's promise and one
   * `then`. As one async function with the loop inside it cost the caller more than the wire.
   */
  private start(name: string, input: unknown, given: RemoteInvokeOptions): Promise<InvocationResult<unknown>> {
    const now = this.clock();
    const fn = this.functions?.[name];
    // A function's declared facts (a trade's notional) drive placement when the caller gives none.
    // Such a call is not plain: its RoutingCall is built for it, never cached.
    const options = fn?.meta.routingFacts === undefined || given.facts !== undefined ? given : withFacts(given, routingFactsOf(fn, input));
    const deadline = options.deadline ?? now + (options.timeoutMs ?? fn?.meta.timeoutMs ?? this.defaultTimeoutMs);
    // Registry rules come before routing: a refusal (disabled, jurisdiction) throws here and sends nothing.
    const selected = this.registry?.select(name, fn, options);
    if (fn !== undefined && this.validateInput && (selected === undefined || selected.checkInput)) {
      // Refuse bad input here: every shard would refuse it too, and a retry could not help.
      const checked = validate(fn.input, input, 'input', name);
      if (checked instanceof Promise) return checked.then(() => this.dispatch(name, fn, input, options, selected, now, deadline));
    }
    return this.dispatch(name, fn, input, options, selected, now, deadline);
  }

  private dispatch(
    name: string,
    fn: AnyFunctionDefinition | undefined,
    input: unknown,
    options: RemoteInvokeOptions,
    selected: SelectedCall | undefined,
    now: number,
    deadline: number,
  ): Promise<InvocationResult<unknown>> {
    const routing = selected === undefined ? this.routingCall(name, fn, options) : selected.routing;
    const version = selected === undefined ? options.version : selected.version;
    // Every field listed, absent ones as undefined: the wire encoder skips undefined, so nothing extra is sent.
    const call: RemoteCall = {
      name,
      version,
      input,
      deadline,
      correlationId: options.correlationId ?? this.idPrefix + (++this.sequence).toString(36),
      causationId: options.causationId,
      traceparent: options.traceparent,
      attempt: 1,
      business: options.business,
      // The function's ctx.now(): the caller's reading (a decision recorded for replay), else this clock's.
      now: options.now ?? now,
    };
    const p = new CallProgress(fn, version, routing, call, options.placed);
    // The common case, first try with every circuit closed: the single choice, no failover order.
    if (now < deadline && this.breakers.blocked(now).length === 0) {
      const { reports, view } = this.directory;
      const plan = chooseShard(routing, this.directory.candidates(now), reports, view, this.rules, this.random, now, this.tuning);
      if (!('denied' in plan) && this.breakers.admit(plan.shardId, now)) {
        const shardId = plan.shardId;
        return this.send(shardId, p, now).then(
          (reply) => this.answered(p, shardId, reply) ?? this.retry(p),
          (error: unknown) => {
            this.unanswered(p, shardId, error, true);
            return this.retry(p);
          },
        );
      }
    }
    return this.retry(p);
  }

  /** Every try after the first, and calls that found no shard at once: failover order, waiting for shards, the deadline. */
  private async retry(p: CallProgress): Promise<InvocationResult<unknown>> {
    const { name, deadline } = p.call;
    for (;;) {
      const t = this.clock();
      if (t >= deadline) throw this.late(name, deadline, p.lastError);
      const blocked = this.breakers.blocked(t);
      const candidates = this.directory.candidates(t);
      const { reports, view } = this.directory;
      let plan: RoutingDecision;
      if ((p.tried === undefined || p.tried.size === 0) && blocked.length === 0) {
        plan = chooseShard(p.routing, candidates, reports, view, this.rules, this.random, t, this.tuning);
      } else {
        const exclude = new Set([...(p.tried ?? []), ...blocked]);
        const ranked = rankShards(p.routing, candidates, reports, view, this.rules, this.random, t, { exclude, tuning: this.tuning });
        plan = 'denied' in ranked ? ranked : { shardId: ranked.order[0]! };
      }
      if ('denied' in plan) {
        const denial = routingDeniedError(p.routing, plan);
        // "Not hosted" or "disabled" everywhere is an answer, and so is every shard saying "not here";
        // "nobody to ask right now" may change before the deadline (shards starting, a broker
        // reconnecting, a circuit cooling down), so the call waits a little for that.
        p.waitingSince ??= t;
        const waitUntil = Math.min(deadline, p.waitingSince + this.waitForShardsMs);
        const answered = p.lastError !== undefined && !isTransportFailure(p.lastError);
        if (denial.code !== 'UNAVAILABLE' || answered || t >= waitUntil) throw p.lastError ?? denial;
        p.lastError ??= denial;
        p.tried?.clear();
        await sleep(Math.min(50, waitUntil - t));
        continue;
      }
      p.waitingSince = undefined;
      const shardId = plan.shardId;
      if (!this.breakers.admit(shardId, t)) {
        this.directory.view.started(shardId);
        this.unanswered(p, shardId, shardUnavailable(shardId, 'its circuit is open'), false);
        continue;
      }
      let reply: RemoteReply;
      try {
        reply = await this.send(shardId, p, t);
      } catch (error) {
        this.unanswered(p, shardId, error, true);
        continue;
      }
      const result = this.answered(p, shardId, reply);
      if (result !== undefined) return result;
    }
  }

  /** The shard answered: the result, or undefined when it said "not here" and another should be asked; throws the function's error. */
  private answered(p: CallProgress, shardId: string, reply: RemoteReply): InvocationResult<unknown> | undefined {
    this.breakers.succeeded(shardId);
    const now = this.clock();
    // What the link added: the round trip beyond the shard's own reported service time for the function.
    const serviceMs = this.directory.reports.get(shardId)?.functions[p.call.name]?.latencyEwmaMs ?? 0;
    this.directory.view.linkSample(shardId, now - p.attemptAt - serviceMs, now, this.linkHalfLifeMs);
    if (reply.ok) {
      this.directory.view.finished(shardId, false, now);
      const output = this.checkOutput(p.fn, p.version, reply.output);
      if (p.placed !== undefined) tellPlaced(p.placed, shardId, reply.version ?? p.version ?? p.fn?.version, this.logger);
      return { output, events: reply.events };
    }
    this.directory.view.finished(shardId, shardFaults.has(reply.error.code), now);
    const error = reviveError(reply.error);
    if (!tryElsewhere.has(error.code)) throw error;
    (p.tried ??= new Set()).add(shardId);
    p.lastError = error;
    return undefined;
  }

  /** The shard did not answer (or its circuit refused the call): returns when another may be tried, throws when the call is over. */
  private unanswered(p: CallProgress, shardId: string, error: unknown, countsForBreaker: boolean): void {
    const failure = error as LucentError;
    const now = this.clock();
    // Our own link to the broker went down while the attempt was out (a broker restart, a network
    // blip here): its failure says nothing about the shard, which must not lose its traffic for it.
    const ours = this.transport.linkDownSince?.(p.attemptAt) === true;
    // Any settled attempt settles the breaker too (a half-open circuit waits on its trial): only a
    // transport failure counts against the shard; anything else was not the shard's silence.
    if (countsForBreaker) {
      if (isTransportFailure(failure) && !ours) this.breakers.failed(shardId, now);
      else this.breakers.succeeded(shardId);
    }
    this.directory.view.finished(shardId, !ours, now);
    if (now >= p.call.deadline) throw this.late(p.call.name, p.call.deadline, failure);
    if (!isTransportFailure(failure)) throw failure;
    if (failure.code === 'DEADLINE_EXCEEDED' && ++p.timedOut >= this.maxAttempts) throw failure;
    this.logger.debug('shard did not answer; trying another', { function: p.call.name, shard: shardId, error: failure.message });
    (p.tried ??= new Set()).add(shardId);
    p.lastError = failure;
  }

  private routingCall(name: string, fn: AnyFunctionDefinition | undefined, options: RemoteInvokeOptions): RoutingCall {
    // Most calls carry nothing call-specific for the router: reuse one RoutingCall per function.
    const plain = isPlainCall(options);
    if (plain) {
      const cached = this.plainRouting.get(name);
      if (cached !== undefined) return cached;
    }
    const built = routingCallFor(name, fn, options.version, options);
    if (plain && fn !== undefined) this.plainRouting.set(name, built);
    return built;
  }

  /**
   * One attempt on one shard (its circuit admitted it). A shard that drops out meanwhile has its
   * waiting calls failed by the transport (`abandon`), so nothing here wraps the transport's promise.
   */
  private send(shardId: string, p: CallProgress, t: number): Promise<RemoteReply> {
    const remaining = p.call.deadline - t;
    const isLast = p.timedOut >= this.maxAttempts - 1;
    const budget = isLast ? remaining : Math.min(remaining, this.attemptTimeoutMs ?? Math.max(Math.floor(remaining / 2), 1));
    this.directory.view.started(shardId);
    p.attemptAt = t;
    const attempt = ++p.attempts;
    return this.transport.request(shardId, attempt === 1 ? p.call : { ...p.call, attempt }, t + budget);
  }

  /** The caller checks the output against its own contract too: a shard on another contract version is caught here. */
  private checkOutput(fn: AnyFunctionDefinition | undefined, version: string | undefined, output: unknown): unknown {
    if (fn === undefined || !this.validateOutput || (version !== undefined && version !== fn.version)) return output;
    const checked = validate(fn.output, output, 'output', fn.name);
    if (checked instanceof Promise) {
      throw new LucentError('FUNCTION_FAILED', `Output contract of ${fn.name} is asynchronous; use a synchronous schema`);
    }
    return checked;
  }

  private late(name: string, deadline: number, cause: LucentError | undefined): DeadlineExceededError {
    const error = new DeadlineExceededError(name, deadline);
    if (cause !== undefined) Object.defineProperty(error, 'cause', { value: cause, configurable: true });
    return error;
  }
}

function withFacts(options: RemoteInvokeOptions, facts: RemoteInvokeOptions['facts']): RemoteInvokeOptions {
  return facts === undefined ? options : { ...options, facts };
}

/** `placed` must not throw; if it does, the call it describes has still succeeded. */
function tellPlaced(placed: (where: Placement) => void, shard: string, version: string | undefined, logger: Logger): void {
  try {
    // A shard older than the reply's version field, on a call the caller did not pin: the version is unknown.
    placed({ shard, version: version ?? 'unknown' });
  } catch (error) {
    logger.warn('placed listener threw', { shard, error: String(error) });
  }
}
