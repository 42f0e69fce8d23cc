// FunctionContext: everything a pure function may know about the world, handed in by the shell.
import { seededRandom, seededUuid } from './seededRandom.js';
import { parseTraceparent } from './traceparent.js';

/** A domain event as data: `{ type, data }`, a discriminated union member. */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
}

export type LogFields = Record<string, unknown>;

/** Observing only: a function can log, but nothing it logs changes its result. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /**
   * A logger that adds `fields` to every line. Optional: the context binds a call's ids with it
   * (correlationId, traceId, spanId) the first time a function reads `ctx.log`.
   */
  child?(fields: LogFields): Logger;
}

/** Observing only: attributes and events on the caller's trace span. */
export interface Span {
  setAttribute(key: string, value: string | number | boolean): void;
  addEvent(name: string, attributes?: Record<string, string | number | boolean>): void;
}

export interface BusinessMetadata {
  readonly userId?: string;
  readonly accountId?: string;
  readonly tradingPair?: string;
  readonly riskLevel?: 'low' | 'medium' | 'high';
  readonly workflowId?: string;
  /** Set by the shell from authenticated claims, never from free input. */
  readonly jurisdiction?: string;
}

/** The shard a call runs on, as it sees itself when the function reads `ctx.shard`. */
export interface ShardInfo {
  readonly id: string;
  /** 0..1, the shard's own load estimate (the larger of CPU and heap use) from its latest sample. */
  readonly load: number;
  /** Other shards this shard has heard from recently (live, not draining), by id. */
  readonly peers: readonly string[];
  /** Placement tags the shard carries ('aave', 'whale', …). */
  readonly tags?: readonly string[];
  /** 0..1 of one core's worth this process did not use over its latest sample interval. */
  readonly freeCpu?: number;
  /** 0..1 of the JavaScript heap limit still free. */
  readonly freeMemory?: number;
  /** Calls running on the shard when the function read this, its own call included. */
  readonly inFlight?: number;
}

export interface ExecutionInfo {
  readonly correlationId: string;
  readonly causationId?: string;
  readonly traceparent?: string;
  /** Epoch milliseconds after which the caller no longer waits. */
  readonly deadline: number;
  /** 1 for the first try; retries on another shard count up. */
  readonly attempt: number;
}

export interface FunctionContext {
  /** The invocation's clock reading (epoch ms): fixed for the whole call, so replays agree. */
  now(): number;
  /** A fresh id, drawn from the invocation's seed. */
  newId(): string;
  /** A float in [0, 1) from the invocation's seeded generator. */
  random(): number;
  readonly log: Logger;
  readonly span: Span;
  /** Collect an event into the result; nothing leaves the function. */
  emit(event: DomainEvent): void;
  readonly business: BusinessMetadata;
  readonly shard: ShardInfo;
  readonly execution: ExecutionInfo;
}

/** What the shell supplies to build a context. Two equal seeds give two equal runs. */
export interface ContextSeed {
  /**
   * The clock reading, or the shell's clock itself: then it is read once, on first use, and
   * fixed for the rest of the call (a clock read costs more than a fast call on some VMs).
   */
  readonly now: number | (() => number);
  /** Seeds random() and newId(); defaults to the correlation id. */
  readonly seed?: string;
  readonly business?: BusinessMetadata;
  /** The shard, or a getter read once, only when the function reads `ctx.shard` (a live view costs nothing until then). */
  readonly shard?: ShardInfo | (() => ShardInfo);
  readonly execution?: Partial<ExecutionInfo>;
  readonly log?: Logger;
  readonly span?: Span;
  /** Makes the correlation id, on first use only, when `execution.correlationId` is absent (else 'local'). */
  readonly correlationIds?: CorrelationIdSource;
  /** Without `execution.deadline`: the deadline is now() + timeoutMs (infinite when absent too). */
  readonly timeoutMs?: number;
}

/** The shell's id source: asked only when a function (or the shell) reads the correlation id. */
export interface CorrelationIdSource {
  nextCorrelationId(): string;
}

const noop = (): void => {};
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
export const noopSpan: Span = { setAttribute: noop, addEvent: noop };
const localShard: ShardInfo = Object.freeze({ id: 'local', load: 0, peers: Object.freeze([]) as readonly string[] });
const noBusiness: BusinessMetadata = Object.freeze({});

/**
 * The concrete context. A class (methods on the prototype, generators created lazily)
 * because one is built per call and the in-process path is measured in nanoseconds:
 * `execution` (and the correlation id in it) is built only when something reads it.
 */
export class InvocationContext implements FunctionContext {
  /** The shell's logger; `log` is this bound to the call's ids, built on first read. */
  private readonly baseLog: Logger;
  private callLog: Logger | undefined = undefined;
  readonly span: Span;
  readonly business: BusinessMetadata;
  private shardInfo: ShardInfo | (() => ShardInfo);
  /** Events emitted so far, in order; `undefined` until the first emit. */
  events: DomainEvent[] | undefined = undefined;
  private time: number | (() => number);
  /** The seed of random()/newId() when the shell chose one; read by the worker pool to rebuild this context in a thread. */
  readonly seed: string | undefined;
  private rng: (() => number) | undefined = undefined;
  private idRng: (() => number) | undefined = undefined;
  private readonly executionSeed: Partial<ExecutionInfo> | undefined;
  private readonly correlationIds: CorrelationIdSource | undefined;
  private readonly timeoutMs: number | undefined;
  private executionInfo: ExecutionInfo | undefined = undefined;

  constructor(seed: ContextSeed) {
    this.time = seed.now;
    this.seed = seed.seed;
    this.baseLog = seed.log ?? silentLogger;
    this.span = seed.span ?? noopSpan;
    this.business = seed.business ?? noBusiness;
    this.shardInfo = seed.shard ?? localShard;
    this.executionSeed = seed.execution;
    this.correlationIds = seed.correlationIds;
    this.timeoutMs = seed.timeoutMs;
  }

  /**
   * The call's logger: every line carries `correlationId` (and `causationId`, and `traceId` and
   * `spanId` when the call came with a traceparent). Bound lazily: a call that never logs builds nothing.
   */
  get log(): Logger {
    return (this.callLog ??= this.bindLog());
  }

  private bindLog(): Logger {
    const base = this.baseLog;
    if (base.child === undefined) return base;
    const ex = this.execution;
    const fields: LogFields = { correlationId: ex.correlationId };
    if (ex.causationId !== undefined) fields['causationId'] = ex.causationId;
    const trace = parseTraceparent(ex.traceparent);
    if (trace !== undefined) {
      fields['traceId'] = trace.traceId;
      fields['spanId'] = trace.spanId;
    }
    return base.child(fields);
  }

  get shard(): ShardInfo {
    const s = this.shardInfo;
    if (typeof s !== 'function') return s;
    return (this.shardInfo = s());
  }

  get execution(): ExecutionInfo {
    return (this.executionInfo ??= this.buildExecution());
  }

  private buildExecution(): ExecutionInfo {
    const ex = this.executionSeed;
    const info: { -readonly [K in keyof ExecutionInfo]: ExecutionInfo[K] } = {
      correlationId: ex?.correlationId ?? this.correlationIds?.nextCorrelationId() ?? 'local',
      deadline: ex?.deadline ?? (this.timeoutMs === undefined ? Number.POSITIVE_INFINITY : this.now() + this.timeoutMs),
      attempt: ex?.attempt ?? 1,
    };
    if (ex?.causationId !== undefined) info.causationId = ex.causationId;
    if (ex?.traceparent !== undefined) info.traceparent = ex.traceparent;
    return info;
  }

  now(): number {
    const t = this.time;
    if (typeof t === 'number') return t;
    return (this.time = t());
  }

  random(): number {
    this.rng ??= seededRandom(`${this.seed ?? this.execution.correlationId}:random`);
    return this.rng();
  }

  newId(): string {
    this.idRng ??= seededRandom(`${this.seed ?? this.execution.correlationId}:id`);
    return seededUuid(this.idRng);
  }

  emit(event: DomainEvent): void {
    (this.events ??= []).push(event);
  }
}

export function createFunctionContext(seed: ContextSeed): InvocationContext {
  return new InvocationContext(seed);
}
