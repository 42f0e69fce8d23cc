// The large-scale scenario: 100 heterogeneous shards and 10,000 callers, each routing on what a production caller knows.
import { capacityPerSecond, type SimScenario, type SimShard } from './scenario.js';

export interface ScaleScenarioOptions {
  readonly seed?: string;
  /** Shards in the cluster (default 100); the mix below is kept in proportion. */
  readonly shards?: number;
  /** Independent callers (default 10,000), each with its own in-flight counts. */
  readonly callers?: number;
  /** Offered load as a fraction of the whole cluster's true capacity (default 0.3). */
  readonly load?: number;
  /** Calls to simulate (default 200,000); the first tenth warms up. */
  readonly calls?: number;
  /** Slots per shard, given to the shards in turn (default 4, 8: machines of two sizes). */
  readonly slots?: readonly number[];
}

/** Mean service time of a call on an ordinary shard, ms. */
export const scaleBaseServiceMs = 20;

/** How many times slower shard `i` is: one in twenty 3× (an older machine, a noisy neighbour), one in fifty 10× (a sick one). */
function slownessAt(i: number): number {
  if (i % 50 === 7) return 10;
  if (i % 20 === 13) return 3;
  return 1;
}

function shardAt(i: number, slots: readonly number[]): SimShard {
  const meanMs = slownessAt(i) * scaleBaseServiceMs;
  const sigma = 0.6;
  return {
    id: `s${String(i + 1).padStart(3, '0')}`,
    concurrency: slots[i % slots.length]!,
    // Lognormal with σ 0.6: a real service's tail, heavier than exponential's at p99; median set so the mean is `meanMs`.
    serviceTime: { kind: 'lognormal', medianMs: meanMs / Math.exp((sigma * sigma) / 2), sigma },
  };
}

/**
 * `shards` shards (positions, not a random draw, decide which are slow and how many slots each has,
 * so the mix is exact at any size), `callers` callers, Poisson arrivals at `load` of the cluster's
 * true capacity (slow shards counted at their real speed). Shards report every second, as the
 * runtime's do by default, delivered 50 ms late (a report crosses hosts and a NATS route), with the
 * runtime's EWMA weight (0.2).
 */
export function scaleScenario(options: ScaleScenarioOptions = {}): SimScenario {
  const count = options.shards ?? 100;
  const calls = options.calls ?? 200_000;
  const slots = options.slots ?? [4, 8];
  if (!Number.isInteger(count) || count < 2) throw new RangeError(`shards must be an integer of at least 2, got ${count}`);
  if (!Number.isInteger(calls) || calls < 1_000) throw new RangeError(`calls must be an integer of at least 1000, got ${calls}`);
  if (slots.length === 0 || slots.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new RangeError(`slots must be positive integers, got ${slots.join(',')}`);
  }
  const callers = options.callers ?? 10_000;
  if (!Number.isInteger(callers) || callers < 1) throw new RangeError(`callers must be a positive integer, got ${callers}`);
  const load = options.load ?? 0.3;
  if (!(load > 0 && load < 1)) throw new RangeError(`load is a fraction of the cluster's capacity and must be in (0, 1), got ${load}`);
  const shards = Array.from({ length: count }, (_, i) => shardAt(i, slots));
  return {
    seed: options.seed ?? 'lucent-scale',
    shards,
    callers,
    callsPerSecond: capacityPerSecond(shards) * load,
    calls,
    warmupCalls: Math.floor(calls / 10),
    reportIntervalMs: 1_000,
    reportDelayMs: 50,
    ewmaAlpha: 0.2,
  };
}
