// A shard: serves a FunctionManager's functions on its own transport address and publishes load reports about once a second.
import { LucentError, ValidationError, type LoadReport, type ResourceClass, type ShardInfo } from '@lucent/core';
import type { FunctionManager } from '../functionManager/functionManager.js';
import { inSpan, markFailed, remoteContext, sampledOut, SpanKind, spanParent, traceparentOfSpan, tracingActive } from '../observability/tracing.js';
import type { RemoteCall, RemoteReply, Served, Transport } from '../transport/transport.js';
import { serializeError } from '../transport/wireErrors.js';
import { FunctionStats } from './functionStats.js';
import { ProcessLoad, type ProcessLoadSample } from './processLoad.js';
import { ShardDirectory } from './shardDirectory.js';

/** Fault injection for tests and demos: make this shard slower without touching its functions. */
export interface ChaosSettings {
  /** Every reply takes this many times as long as the function did (5 = five times slower). */
  readonly slowdownFactor?: number;
  /** Added to every reply, ms. */
  readonly extraDelayMs?: number;
}

export interface ShardOptions {
  readonly id: string;
  readonly tags?: readonly string[];
  readonly functions: FunctionManager;
  readonly transport: Transport;
  /** Nominal gap between load reports, ms; each gap is jittered ±20% so shards do not report in lockstep. */
  readonly reportIntervalMs?: number;
  readonly capacity?: ResourceClass;
  readonly chaos?: ChaosSettings;
  readonly clock?: () => number;
}

// Codes that say the shard itself misbehaved; a domain rejection or a bad input says nothing about the shard.
const shardFaults = new Set(['FUNCTION_FAILED', 'DEADLINE_EXCEEDED', 'UNAVAILABLE']);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Reject a call whose envelope is not what a Lucent caller sends, naming the field. */
function envelopeProblem(call: RemoteCall): ValidationError | undefined {
  if (typeof call !== 'object' || call === null) return new ValidationError('command', 'remote call', [{ path: '', message: 'not an object' }]);
  // The list is made only for a bad envelope: this runs on every call.
  let issues: { path: string; message: string }[] | undefined;
  if (typeof call.name !== 'string' || call.name.length === 0) (issues ??= []).push({ path: 'name', message: 'a function name is required' });
  if (typeof call.deadline !== 'number' || !Number.isFinite(call.deadline)) (issues ??= []).push({ path: 'deadline', message: 'an epoch-ms deadline is required' });
  if (typeof call.correlationId !== 'string') (issues ??= []).push({ path: 'correlationId', message: 'a correlation id is required' });
  if (call.version !== undefined && typeof call.version !== 'string') (issues ??= []).push({ path: 'version', message: 'must be a string' });
  return issues === undefined ? undefined : new ValidationError('command', 'remote call', issues);
}

export class Shard {
  readonly id: string;
  readonly tags: readonly string[];
  private readonly functions: FunctionManager;
  private readonly transport: Transport;
  private readonly intervalMs: number;
  private readonly capacity: ResourceClass | undefined;
  private readonly clock: () => number;
  private readonly stats = new FunctionStats();
  private readonly startedAt: number;
  private chaos: ChaosSettings;
  private load: ProcessLoad | undefined;
  private lastSample: ProcessLoadSample | undefined;
  /** Other shards' reports, heard on the same transport: `info().peers`. */
  private peers: ShardDirectory | undefined;
  private served: Served | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sequence = 0;
  private inFlight = 0;
  private draining = false;
  private idle: (() => void) | undefined;

  constructor(options: ShardOptions) {
    if (!/^[A-Za-z0-9_-]+$/.test(options.id)) {
      throw new LucentError('VALIDATION_FAILED', `Shard id "${options.id}" may only hold letters, digits, '-' and '_'`);
    }
    this.id = options.id;
    this.tags = options.tags ?? [];
    this.functions = options.functions;
    this.transport = options.transport;
    this.intervalMs = options.reportIntervalMs ?? 1_000;
    this.capacity = options.capacity;
    this.chaos = options.chaos ?? {};
    this.clock = options.clock ?? Date.now;
    this.startedAt = this.clock();
  }

  /** Start answering calls and reporting load; the first report goes out at once so callers find the shard quickly. */
  async start(): Promise<void> {
    this.load = new ProcessLoad();
    this.peers = new ShardDirectory(this.transport, { clock: this.clock });
    this.served = await this.transport.serve(this.id, (call) => (tracingActive() && !sampledOut(call.traceparent, true) ? this.tracedHandle(call) : this.handle(call)));
    this.publish();
  }

  /** Tell callers to stop sending, stop taking calls, and wait (up to `graceMs`) for those running. */
  async stop(graceMs = 5_000): Promise<void> {
    this.draining = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.transport.publishLoad(this.report());
    await this.served?.close();
    this.served = undefined;
    if (this.inFlight > 0) {
      // Draining reports go on while calls finish: callers keep waiting for these answers instead of
      // judging the shard gone and failing its calls over.
      const heartbeat = setInterval(() => this.transport.publishLoad(this.report()), this.intervalMs);
      heartbeat.unref();
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([new Promise<void>((r) => (this.idle = r)), new Promise<void>((r) => (grace = setTimeout(r, graceMs)))]);
      // Cleared, or the process that stops would live on until the grace period ends.
      clearTimeout(grace);
      clearInterval(heartbeat);
      // The last answers leave through the transport a few ticks after their handlers return (a
      // batching outbox): let them go out before the caller closes the connection.
      await new Promise<void>((r) => setImmediate(r));
    }
    this.load?.stop();
    this.peers?.close();
  }

  /**
   * This shard as its functions see it (`ctx.shard`, via the FunctionManager's `shard` getter): load
   * and headroom from the latest sample, live peers, calls in flight now.
   */
  info(): ShardInfo {
    const s = this.lastSample;
    return {
      id: this.id,
      load: s === undefined ? 0 : Math.max(s.cpu, s.memoryFraction),
      peers: this.peers === undefined ? [] : this.peers.candidates().filter((id) => id !== this.id),
      tags: this.tags,
      freeCpu: s === undefined ? 1 : 1 - s.cpu,
      freeMemory: s === undefined ? 1 : 1 - s.memoryFraction,
      inFlight: this.inFlight,
    };
  }

  setChaos(chaos: ChaosSettings): void {
    this.chaos = chaos;
  }

  get callsInFlight(): number {
    return this.inFlight;
  }

  /** Run one call through the FunctionManager; every outcome, bad envelope included, becomes a reply. */
  async handle(call: RemoteCall): Promise<RemoteReply> {
    const problem = envelopeProblem(call);
    if (problem) return { ok: false, error: problem.toJSON() };
    this.inFlight++;
    const started = performance.now();
    let reply: RemoteReply;
    let failed = false;
    try {
      // The call carries the invoke options under their own names (version, deadline, ids, attempt, business, now).
      // A pinned call runs its pin; otherwise the version selection picks for this caller, asked
      // beside the call rather than through a `placed` listener: that cost a copy of the call, a
      // closure and a `then` per call on the shard's hot path. (Only a rules change landing during
      // the call could make the two differ.)
      const version = call.version ?? this.functions.versionFor(call.name, call.business);
      const r = await this.functions.invoke(call.name, call.input, call);
      reply = { ok: true, output: r.output, events: r.events, version };
    } catch (error) {
      const wire = serializeError(error, call.name);
      failed = shardFaults.has(wire.code);
      reply = { ok: false, error: wire };
    }
    let elapsed = performance.now() - started;
    const { slowdownFactor = 1, extraDelayMs = 0 } = this.chaos;
    const extra = elapsed * (slowdownFactor - 1) + extraDelayMs;
    if (extra > 0) {
      await sleep(extra);
      elapsed = performance.now() - started;
    }
    // Only hosted names get counters: a stream of made-up names must not grow the shard's memory.
    if (this.functions.has(call.name)) this.stats.record(call.name, elapsed, failed);
    if (--this.inFlight === 0 && this.idle) this.idle();
    return reply;
  }

  /** `handle` in a server span whose parent is the caller's span, named by the call's traceparent. */
  private tracedHandle(call: RemoteCall): Promise<RemoteReply> {
    const attributes = () => ({ 'lucent.function.name': String(call.name), 'lucent.shard': this.id, 'lucent.correlation_id': String(call.correlationId) });
    // Sampled out by the caller: no span here either (the call's traceparent says so to whatever it calls).
    const parent = spanParent(remoteContext(call.traceparent), true);
    if (parent === undefined) return this.handle(call);
    return inSpan(`serve ${String(call.name)}`, SpanKind.SERVER, parent, attributes, async (span) => {
      const reply = await this.handle({ ...call, traceparent: traceparentOfSpan(span) });
      if (!reply.ok) markFailed(span, reply.error);
      return reply;
    });
  }

  /** This shard's load report as of now. Its call counts restart after each report. */
  report(): LoadReport {
    const sample = this.load?.sample() ?? { cpu: 0, memoryMb: 0, memoryFraction: 0, eventLoopLagMs: 0 };
    if (this.load !== undefined) this.lastSample = sample;
    const functions: Record<string, LoadReport['functions'][string]> = {};
    for (const f of this.functions.list()) functions[f.name] = this.stats.take(f.name, f.versions, f.enabled);
    return {
      shardId: this.id,
      tags: this.tags,
      functions,
      ...sample,
      inFlight: this.inFlight,
      ...(this.capacity === undefined ? {} : { capacity: this.capacity }),
      sequence: this.sequence++,
      sentAt: this.clock(),
      startedAt: this.startedAt,
      intervalMs: this.intervalMs,
      ...(this.draining ? { draining: true } : {}),
    };
  }

  private publish(): void {
    if (this.draining) return;
    this.transport.publishLoad(this.report());
    // Jitter: shards started together would otherwise report, and be judged stale, in lockstep.
    const next = this.intervalMs * (0.8 + 0.4 * Math.random());
    this.timer = setTimeout(() => this.publish(), next);
    this.timer.unref();
  }
}
