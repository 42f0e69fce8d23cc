// ClusterClient: invokes functions on remote shards — routing policy per call, failover within the deadline, breaker per shard.
import {
  DeadlineExceededError,
  LucentError,
  chooseShard,
  rankShards,
  routingDeniedError,
  silentLogger,
  validate,
  type AnyFunctionDefinition,
  type BusinessMetadata,
  type CallFact,
  type FunctionMap,
  type InvocationResult,
  type LivenessOptions,
  type Logger,
  type Priority,
  type RoutingCall,
  type RoutingDecision,
  type RoutingRule,
  type RoutingTuning,
  type TypedInvoke,
} from '@lucent/core';
import { BrokenCircuitError } from 'cockatiel';
import type { RemoteCall, RemoteReply, Transport } from '../transport/transport.js';
import { isTransportFailure, reviveError, shardUnavailable } from '../transport/wireErrors.js';
import { ShardBreakers, type BreakerOptions } from './shardBreakers.js';
import { ShardDirectory } from './shardDirectory.js';

export interface RemoteInvokeOptions {
  /** Exact version; each shard's active one when omitted. */
  readonly version?: string;
  readonly business?: BusinessMetadata;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly traceparent?: string;
  /** Absolute deadline, epoch ms. Wins over timeoutMs. */
  readonly deadline?: number;
  readonly timeoutMs?: number;
  /** Facts placement rules test (e.g. `{ notional: 2_500_000 }` sends a trade to the `whale` shard). */
  readonly facts?: Readonly<Record<string, CallFact>>;
  /** Business priority; higher samples more shards. Defaults to the function's metadata. */
  readonly priority?: Priority;
}

export interface ClusterClientOptions {
  readonly transport: Transport;
  /** Definitions the caller knows (a generated registry): their contracts are checked here too, their metadata routes. */
  readonly functions?: FunctionMap;
  readonly rules?: readonly RoutingRule[];
  readonly tuning?: Partial<RoutingTuning>;
  readonly liveness?: LivenessOptions;
  readonly breaker?: BreakerOptions;
  /**
   * Longest wait for one shard before trying another, ms. By default an attempt may use half of
   * the time left (the last one all of it), so one silent shard costs at most half the budget.
   */
  readonly attemptTimeoutMs?: number;
  /** Shards tried per call at most, counting retries. */
  readonly maxAttempts?: number;
  /**
   * How long a call may wait (within its deadline) for a shard to become available when none is
   * right now — shards starting, the broker reconnecting, every circuit cooling down.
   */
  readonly waitForShardsMs?: number;
  readonly defaultTimeoutMs?: number;
  readonly validate?: boolean | { readonly input: boolean; readonly output: boolean };
  readonly clock?: () => number;
  readonly random?: () => number;
  readonly logger?: Logger;
  /** Prefix of generated correlation ids; make it unique per process. */
  readonly idPrefix?: string;
}

// Errors from a shard that say "not here" rather than "no": another shard may well answer.
const tryElsewhere = new Set(['UNAVAILABLE', 'FUNCTION_NOT_FOUND', 'FUNCTION_DISABLED']);
// Replies that say the shard misbehaved, which the routing policy should weigh against it.
const shardFaults = new Set(['FUNCTION_FAILED', 'UNAVAILABLE']);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class ClusterClient {
  readonly directory: ShardDirectory;
  private readonly transport: Transport;
  private readonly functions: FunctionMap | undefined;
  private readonly rules: readonly RoutingRule[];
  private readonly tuning: Partial<RoutingTuning> | undefined;
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
  /** Attempts waiting on each shard, so a shard that drops out fails them at once instead of at their timeout. */
  private readonly waiting = new Map<string, Set<(error: LucentError) => void>>();
  private readonly plainRouting = new Map<string, RoutingCall>();
  private sequence = 0;

  constructor(options: ClusterClientOptions) {
    this.transport = options.transport;
    this.functions = options.functions;
    this.rules = options.rules ?? [];
    this.tuning = options.tuning;
    this.clock = options.clock ?? Date.now;
    this.random = options.random ?? Math.random;
    this.breakers = new ShardBreakers(options.breaker, this.clock);
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
    this.directory.onDrop((id) => {
      this.breakers.forget(id);
      const waiting = this.waiting.get(id);
      if (waiting === undefined) return;
      const gone = shardUnavailable(id, 'it stopped reporting');
      for (const fail of [...waiting]) fail(gone);
    });
  }

  /** Resolve once `count` shards have reported (a caller that starts with its shards waits here). */
  ready(count = 1, timeoutMs = 10_000): Promise<void> {
    return this.directory.waitFor(count, timeoutMs);
  }

  /** A view of `invoke` typed by a generated registry: wrong names and inputs fail to compile. */
  typed<R extends FunctionMap>(): TypedInvoke<R, RemoteInvokeOptions> {
    return this.invoke.bind(this) as TypedInvoke<R, RemoteInvokeOptions>;
  }

  /**
   * Run a function on the best shard. Resolves to `{ output, events }`; rejects only with a
   * LucentError, and never later than the deadline.
   */
  async invoke(name: string, input: unknown, options: RemoteInvokeOptions = {}): Promise<InvocationResult<unknown>> {
    const now = this.clock();
    const fn = this.functions?.[name];
    const deadline = options.deadline ?? now + (options.timeoutMs ?? fn?.meta.timeoutMs ?? this.defaultTimeoutMs);
    if (fn !== undefined && this.validateInput) {
      // Refuse bad input here: every shard would refuse it too, and a retry could not help.
      const checked = validate(fn.input, input, 'input', name);
      if (checked instanceof Promise) await checked;
    }
    const routing = this.routingCall(name, fn, options);
    const call: Omit<RemoteCall, 'attempt'> = {
      name,
      ...(options.version === undefined ? {} : { version: options.version }),
      input,
      deadline,
      correlationId: options.correlationId ?? this.idPrefix + (++this.sequence).toString(36),
      ...(options.causationId === undefined ? {} : { causationId: options.causationId }),
      ...(options.traceparent === undefined ? {} : { traceparent: options.traceparent }),
      ...(options.business === undefined ? {} : { business: options.business }),
      now,
    };

    const tried = new Set<string>();
    let lastError: LucentError | undefined;
    let waitingSince: number | undefined;
    // Only attempts that used up their time count against maxAttempts: a shard that refuses at once
    // (no responder, open circuit) costs nothing, and the deadline bounds the loop anyway.
    let timedOut = 0;
    for (let attempt = 1; ; attempt++) {
      const t = this.clock();
      if (t >= deadline) throw this.late(name, deadline, lastError);
      const blocked = this.breakers.blocked(t);
      const candidates = this.directory.candidates(t);
      const { reports, view } = this.directory;
      let plan: RoutingDecision;
      if (tried.size === 0 && blocked.length === 0) {
        // The common case, first try with every circuit closed: the single choice, no failover order.
        plan = chooseShard(routing, candidates, reports, view, this.rules, this.random, t, this.tuning);
      } else {
        const exclude = new Set([...tried, ...blocked]);
        const ranked = rankShards(routing, candidates, reports, view, this.rules, this.random, t, { exclude, tuning: this.tuning });
        plan = 'denied' in ranked ? ranked : { shardId: ranked.order[0]! };
      }
      if ('denied' in plan) {
        const denial = routingDeniedError(routing, plan);
        // "Not hosted" or "disabled" everywhere is an answer, and so is every shard saying "not here";
        // "nobody to ask right now" may change before the deadline (shards starting, a broker
        // reconnecting, a circuit cooling down), so the call waits a little for that.
        waitingSince ??= t;
        const waitUntil = Math.min(deadline, waitingSince + this.waitForShardsMs);
        const answered = lastError !== undefined && !isTransportFailure(lastError);
        if (denial.code !== 'UNAVAILABLE' || answered || t >= waitUntil) throw lastError ?? denial;
        lastError ??= denial;
        tried.clear();
        await sleep(Math.min(50, waitUntil - t));
        continue;
      }
      waitingSince = undefined;
      const shardId = plan.shardId;
      const isLast = timedOut >= this.maxAttempts - 1;
      const remaining = deadline - t;
      const budget = isLast ? remaining : Math.min(remaining, this.attemptTimeoutMs ?? Math.max(Math.floor(remaining / 2), 1));
      let reply: RemoteReply;
      this.directory.view.started(shardId);
      try {
        reply = await this.send(shardId, { ...call, attempt }, t + budget);
      } catch (error) {
        const failure = error instanceof BrokenCircuitError ? shardUnavailable(shardId, 'its circuit is open') : (error as LucentError);
        this.directory.view.finished(shardId, true, this.clock());
        if (this.clock() >= deadline) throw this.late(name, deadline, failure);
        if (!isTransportFailure(failure)) throw failure;
        if (failure.code === 'DEADLINE_EXCEEDED' && ++timedOut >= this.maxAttempts) throw failure;
        this.logger.debug('shard did not answer; trying another', { function: name, shard: shardId, error: failure.message });
        tried.add(shardId);
        lastError = failure;
        continue;
      }
      if (reply.ok) {
        this.directory.view.finished(shardId, false, this.clock());
        return { output: this.checkOutput(fn, options.version, reply.output), events: reply.events };
      }
      this.directory.view.finished(shardId, shardFaults.has(reply.error.code), this.clock());
      const error = reviveError(reply.error);
      if (!tryElsewhere.has(error.code)) throw error;
      tried.add(shardId);
      lastError = error;
    }
  }

  async close(): Promise<void> {
    this.directory.close();
    for (const waiting of this.waiting.values()) {
      for (const fail of [...waiting]) fail(new LucentError('UNAVAILABLE', 'The cluster client was closed'));
    }
  }

  private routingCall(name: string, fn: AnyFunctionDefinition | undefined, options: RemoteInvokeOptions): RoutingCall {
    // Most calls carry nothing call-specific for the router: reuse one RoutingCall per function.
    const plain = options.version === undefined && options.facts === undefined && options.priority === undefined;
    if (plain) {
      const cached = this.plainRouting.get(name);
      if (cached !== undefined) return cached;
    }
    const built = this.buildRoutingCall(name, fn, options);
    if (plain && fn !== undefined) this.plainRouting.set(name, built);
    return built;
  }

  private buildRoutingCall(name: string, fn: AnyFunctionDefinition | undefined, options: RemoteInvokeOptions): RoutingCall {
    const meta = fn?.meta;
    const priority = options.priority ?? meta?.priority;
    return {
      functionName: name,
      ...(options.version === undefined ? {} : { version: options.version }),
      ...(meta?.shardAffinity === undefined ? {} : { shardAffinity: meta.shardAffinity }),
      ...(meta?.resources === undefined ? {} : { resources: meta.resources }),
      ...(priority === undefined ? {} : { priority }),
      ...(options.facts === undefined ? {} : { facts: options.facts }),
    };
  }

  /** One attempt on one shard, through its breaker; fails early if the shard drops out meanwhile. */
  private send(shardId: string, call: RemoteCall, waitUntil: number): Promise<RemoteReply> {
    return new Promise<RemoteReply>((resolve, reject) => {
      let waiting = this.waiting.get(shardId);
      if (waiting === undefined) this.waiting.set(shardId, (waiting = new Set()));
      const set = waiting;
      set.add(reject);
      this.breakers
        .get(shardId)
        .execute(() => this.transport.request(shardId, call, waitUntil))
        .then(
          (reply) => {
            set.delete(reject);
            resolve(reply);
          },
          (error: unknown) => {
            set.delete(reject);
            reject(error);
          },
        );
    });
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
