// What the routing simulator replays: shards with their service times, callers, arrivals and how stale load reports are.

export type ServiceTime =
  /** Memoryless: most calls short, a long tail (the usual model of a busy service). */
  | { readonly kind: 'exponential'; readonly meanMs: number }
  | { readonly kind: 'constant'; readonly ms: number }
  /** A heavier tail: median `medianMs`, spread `sigma` (0.5–1 is typical of real services). */
  | { readonly kind: 'lognormal'; readonly medianMs: number; readonly sigma: number };

export interface SimShard {
  readonly id: string;
  readonly serviceTime: ServiceTime;
  /** Calls the shard runs at once (worker threads, cores); the rest wait in its queue. */
  readonly concurrency: number;
}

export interface SimScenario {
  /** Same seed, same scenario → the same figures, to the last digit. */
  readonly seed: string;
  readonly shards: readonly SimShard[];
  /** Independent callers, each with its own view (in-flight counts) and round-robin pointer. */
  readonly callers: number;
  /** Poisson arrivals over all callers, calls per second. */
  readonly callsPerSecond: number;
  /** Calls to simulate; bounds the run. */
  readonly calls: number;
  /** Calls before this many are not counted (the system warms from empty). */
  readonly warmupCalls: number;
  /** Shards publish a load report this often, ms. */
  readonly reportIntervalMs: number;
  /** A report reaches callers this long after it was sent, ms. */
  readonly reportDelayMs: number;
  /** Weight of the newest call in a shard's latency EWMA. */
  readonly ewmaAlpha: number;
}

/** Mean service time of a distribution, ms: what a shard's capacity is computed from. */
export function meanServiceMs(s: ServiceTime): number {
  switch (s.kind) {
    case 'exponential':
      return s.meanMs;
    case 'constant':
      return s.ms;
    case 'lognormal':
      return s.medianMs * Math.exp((s.sigma * s.sigma) / 2);
  }
}

/** Calls per second the shards can serve in total. */
export function capacityPerSecond(shards: readonly SimShard[]): number {
  return shards.reduce((sum, s) => sum + (1000 * s.concurrency) / meanServiceMs(s.serviceTime), 0);
}

/**
 * The documented scenario: four shards of two slots, 4 ms mean service, shard `s4` `slowFactor`×
 * slower; arrivals at `load` of the healthy cluster's capacity, reports once a second, 20 ms late.
 */
export function slowShardScenario(options: { seed?: string; slowFactor?: number; load?: number; calls?: number } = {}): SimScenario {
  const slowFactor = options.slowFactor ?? 5;
  const shards: SimShard[] = ['s1', 's2', 's3', 's4'].map((id) => ({
    id,
    concurrency: 2,
    serviceTime: { kind: 'exponential', meanMs: id === 's4' ? 4 * slowFactor : 4 },
  }));
  const healthy = capacityPerSecond(shards.map((s) => ({ ...s, serviceTime: { kind: 'exponential', meanMs: 4 } })));
  return {
    seed: options.seed ?? 'lucent-routing',
    shards,
    callers: 8,
    callsPerSecond: healthy * (options.load ?? 0.5),
    calls: options.calls ?? 20_000,
    warmupCalls: 1_000,
    reportIntervalMs: 1_000,
    reportDelayMs: 20,
    ewmaAlpha: 0.1,
  };
}
