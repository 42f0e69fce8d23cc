// LucentMetrics: one prom-client registry per process and the series every part of Lucent reports into it.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EventStore } from '../eventStore/eventStore.js';
import type { CircuitStateName, CircuitTransition } from '../resilience/dependencyPolicy.js';
import { withTimeout } from '../resilience/handlerTimeout.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { TimerStore } from '../scheduler/timerStore.js';
import { FunctionMetrics } from './functionMetrics.js';
import { instrumentEventStore, type InstrumentedEventStore } from './instrumentedEventStore.js';

export interface LucentMetricsOptions {
  /** The `shard` label of function series: the shard id, or `local` for a service running its functions in-process. */
  readonly shard?: string;
  /** A registry to share with other code; a fresh one by default. */
  readonly registry?: Registry;
  /** Also collect prom-client's process series (CPU, memory, event-loop lag, GC); default true. */
  readonly processMetrics?: boolean;
}

/** What a breaker gauge reads: ClusterClient has it. */
export interface BreakerSource {
  breakerStates(): readonly { readonly shard: string; readonly state: 'closed' | 'open' | 'half-open' }[];
}

/** What the dependency breaker series read: Resilience has it. */
export interface DependencyBreakerSource {
  states(): readonly { readonly dependency: string; readonly state: CircuitStateName }[];
  onTransition(listener: (transition: CircuitTransition) => void): void;
}

/** What the rate-limit refusal counter hears: RateLimits has it. */
export interface RateLimitSource {
  onRefused(listener: (refusal: { readonly function: string }) => void): void;
}

/** What the chaos counter hears: Chaos has it. */
export interface ChaosFaultSource {
  onFault(listener: (fault: { readonly scope: string; readonly target: string; readonly fault: string }) => void): void;
}

/** What a projection gauge reads: Projector has it. */
export interface ProjectionSource {
  readonly name: string;
  readonly position: number;
}

/** What the open-sagas gauge reads: SagaRunner has it. */
export interface SagaSource {
  openByStatus(): Record<string, number>;
}

/** What the registry gauge reads: RegistryWatcher has it. */
export interface RegistryRevisionSource {
  readonly revision: number;
}

const breakerValue = { closed: 0, open: 1, 'half-open': 2, isolated: 1 } as const;
/** Timers counted per scrape at most; beyond it the gauge reads this many. */
const armedTimersCap = 10_000;
/** Longest a scrape waits for a gauge's source that does I/O, ms (Prometheus gives a whole scrape 10 s by default). */
const sourceWaitMs = 1_000;

/**
 * The process's metrics. Parts are attached after they are built (`eventStore`, `breakers`,
 * `projection`, `sagas`, `scheduler`, `registry`); gauges read their sources at scrape time, so
 * nothing is computed between scrapes. `render()` is the Prometheus text exposition.
 */
export class LucentMetrics {
  readonly registry: Registry;
  /** Pass as `FunctionManagerOptions.observer`. */
  readonly functions: FunctionMetrics;
  private readonly breakerSources: BreakerSource[] = [];
  private readonly dependencyBreakers: DependencyBreakerSource[] = [];
  private transitions: Counter<'dependency' | 'to'> | undefined;
  private refusals: Counter<'function'> | undefined;
  private chaosFaults: Counter<'scope' | 'target' | 'fault'> | undefined;
  private readonly projections: ProjectionSource[] = [];
  private readonly sagaSources: SagaSource[] = [];
  private readonly registries: RegistryRevisionSource[] = [];
  private readonly timerStores: TimerStore[] = [];
  private readonly stores: InstrumentedEventStore[] = [];
  private firingLag: Histogram<'handler' | 'kind'> | undefined;

  constructor(options: LucentMetricsOptions = {}) {
    this.registry = options.registry ?? new Registry();
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.functions = new FunctionMetrics(this.registry, options.shard ?? 'local');
    // The gauges' collect() runs with the gauge as `this`; the sources are captured here.
    const { breakerSources, dependencyBreakers, projections, sagaSources, registries, timerStores, stores } = this;
    new Gauge({
      name: 'lucent_breaker_state',
      help: 'Circuit breakers as this process sees them, by shard (ClusterClient) or dependency (resilience policies): 0 closed, 1 open, 2 half-open',
      labelNames: ['shard', 'dependency'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const source of breakerSources) for (const b of source.breakerStates()) this.set({ shard: b.shard }, breakerValue[b.state]);
        for (const source of dependencyBreakers) for (const b of source.states()) this.set({ dependency: b.dependency }, breakerValue[b.state]);
      },
    });
    new Gauge({
      name: 'lucent_projection_checkpoint',
      help: 'Global position of the last event each projection has committed',
      labelNames: ['projection'],
      registers: [this.registry],
      collect() {
        for (const p of projections) this.set({ projection: p.name }, p.position);
      },
    });
    new Gauge({
      name: 'lucent_projection_lag_events',
      help: 'Events appended by this process that a projection has not committed yet',
      labelNames: ['projection'],
      registers: [this.registry],
      collect() {
        const head = Math.max(0, ...stores.map((s) => s.head));
        for (const p of projections) this.set({ projection: p.name }, Math.max(0, head - p.position));
      },
    });
    new Gauge({
      name: 'lucent_sagas_open',
      help: 'Unfinished sagas this process holds, by status',
      labelNames: ['status'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const source of sagaSources) for (const [status, n] of Object.entries(source.openByStatus())) this.inc({ status }, n);
      },
    });
    new Gauge({
      name: 'lucent_registry_revision',
      help: 'Registry store revision in force on this node (the last change applied)',
      registers: [this.registry],
      collect() {
        this.set(Math.max(0, ...registries.map((r) => r.revision)));
      },
    });
    // The scrape reads every metric at once, so the count waits for the read it counts.
    let armedRead: Promise<void> = Promise.resolve();
    new Gauge({
      name: 'lucent_timers_armed',
      help: `Pending timers in the timer store, by kind (counted up to ${armedTimersCap} per scrape)`,
      labelNames: ['kind'],
      registers: [this.registry],
      collect() {
        this.reset();
        // A store that is down must not take the whole scrape with it: operators need the other metrics most then.
        armedRead = withTimeout(
          Promise.all(timerStores.map((store) => store.list({ state: 'pending', limit: armedTimersCap }))),
          sourceWaitMs,
          'the armed-timers count',
        ).then(
          (lists) => {
            for (const pending of lists) for (const timer of pending) this.inc({ kind: timer.kind });
          },
          () => void unread.inc({ metric: 'lucent_timers_armed' }),
        );
        return armedRead;
      },
    });
    // Registered after the gauge it counts for, so that gauge's read has begun when this one is read.
    const unread = new Counter({
      name: 'lucent_metrics_unread_total',
      help: `Scrapes that left a metric out because its source failed or took over ${sourceWaitMs} ms (a timer store while PostgreSQL is down)`,
      labelNames: ['metric'],
      registers: [this.registry],
      collect: () => armedRead,
    });
  }

  /** The store wrapped so its appends are timed; use the returned store everywhere. */
  eventStore(store: EventStore): InstrumentedEventStore {
    const instrumented = instrumentEventStore(store, this.registry);
    this.stores.push(instrumented);
    return instrumented;
  }

  breakers(source: BreakerSource): this {
    this.breakerSources.push(source);
    return this;
  }

  /** `lucent_breaker_state{dependency}` and `lucent_breaker_transitions_total{dependency,to}` of every policy. */
  resilience(source: DependencyBreakerSource): this {
    const transitions = (this.transitions ??= new Counter({
      name: 'lucent_breaker_transitions_total',
      help: 'Changes of state of dependency circuits, by the state entered',
      labelNames: ['dependency', 'to'],
      registers: [this.registry],
    }));
    this.dependencyBreakers.push(source);
    source.onTransition((t) => transitions.inc({ dependency: t.dependency, to: t.to }));
    return this;
  }

  /** `lucent_rate_limit_refusals_total{function}`: calls refused RATE_LIMITED. */
  rateLimits(source: RateLimitSource): this {
    const refusals = (this.refusals ??= new Counter({
      name: 'lucent_rate_limit_refusals_total',
      help: 'Calls refused because a rate limit was spent, by function',
      labelNames: ['function'],
      registers: [this.registry],
    }));
    source.onRefused((r) => refusals.inc({ function: r.function }));
    return this;
  }

  /** `lucent_chaos_faults_total{scope,target,fault}`: every fault chaos injected. */
  chaos(source: ChaosFaultSource): this {
    const faults = (this.chaosFaults ??= new Counter({
      name: 'lucent_chaos_faults_total',
      help: 'Faults injected by chaos, by scope (function, shard, dependency), target and fault (latency, error, timeout, drop, unreachable)',
      labelNames: ['scope', 'target', 'fault'],
      registers: [this.registry],
    }));
    source.onFault((f) => faults.inc({ scope: f.scope, target: f.target, fault: f.fault }));
    return this;
  }

  projection(source: ProjectionSource): this {
    this.projections.push(source);
    return this;
  }

  sagas(source: SagaSource): this {
    this.sagaSources.push(source);
    return this;
  }

  registryWatcher(source: RegistryRevisionSource): this {
    this.registries.push(source);
    return this;
  }

  /** Firing lag of every timer the scheduler fires and the armed timers in its store. */
  scheduler(scheduler: Scheduler, store: TimerStore): this {
    const lag = (this.firingLag ??= new Histogram({
      name: 'lucent_timer_firing_lag_seconds',
      help: 'How long after its due time a timer started firing',
      labelNames: ['handler', 'kind'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [this.registry],
    }));
    scheduler.observeFirings((firing) => lag.observe({ handler: firing.handler, kind: firing.kind }, firing.lagMs / 1_000));
    this.timerStores.push(store);
    return this;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every series. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
