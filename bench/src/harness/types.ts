// The shape every benchmark area shares: options in, one result row per (case, metric) out, as BENCHMARKS.md's JSON.

export type Metric = 'ops_per_s' | 'events_per_s' | 'sagas_per_s' | 'p50_us' | 'p99_us' | 'p50_ms' | 'p99_ms' | 'mb' | 'kb_per_op';

export interface BenchResult {
  /** Case name such as `invoke.inprocess`; `--filter PREFIX` matches on it. */
  readonly case: string;
  readonly metric: Metric;
  readonly higherIsBetter: boolean;
  readonly lucent: number;
  /** Peer or floor name → the same metric measured in the same run. */
  readonly baselines: Record<string, number>;
  /** One line on what was compared and how, for RESULTS.md (payload, concurrency, durability). */
  readonly note?: string;
  /**
   * Baselines that are physical floors (the same work done by hand: a direct call, a raw INSERT)
   * rather than peer frameworks. The runner also treats `direct`, `raw-*` and `*-only` as floors.
   */
  readonly floors?: readonly string[];
}

export interface BenchOptions {
  /** Only cases whose name starts with this prefix. */
  readonly filter?: string;
  /** Length of one measured window; each side runs several, alternating. */
  readonly windowMs: number;
  readonly rounds: number;
  readonly postgresUrl: string;
  readonly redisUrl: string;
  readonly natsUrl: string;
}

export type ServerKind = 'postgres' | 'redis' | 'nats';

/** One benchmark area: the case names it can produce (for --filter) and how to run them. */
export interface BenchArea {
  readonly area: string;
  /** Every case name this area may report, so the runner can skip an area the filter excludes. */
  readonly cases: readonly string[];
  /** Servers the area needs; when one is unreachable the runner reports the area as skipped. */
  readonly requires?: readonly ServerKind[];
  run(options: BenchOptions): Promise<BenchResult[]>;
}

/** Throw from `run` when the area cannot run on this machine; the runner reports the reason and goes on. */
export class BenchSkipped extends Error {
  override readonly name = 'BenchSkipped';
}

export function wants(options: Pick<BenchOptions, 'filter'>, caseName: string): boolean {
  return options.filter === undefined || caseName.startsWith(options.filter);
}
