// routing.slowshard: p99 latency in the routing simulator with one 5× slower shard, Lucent's policy against the naive ones and the fresh-data floors.
import { comparePolicies, slowShardScenario, type SimResult } from '@lucent/core/simulator';
import type { BenchArea, BenchOptions, BenchResult } from '../harness/types.js';
import { wants } from '../harness/types.js';

const caseName = 'routing.slowshard';

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The simulation is deterministic per seed, so "rounds" here are different seeds (different
 * arrival and service-time draws), and each policy's figure is the median over them.
 */
async function slowShard(options: BenchOptions): Promise<BenchResult> {
  const rounds = Math.max(3, options.rounds);
  const byPolicy = new Map<string, SimResult[]>();
  for (let i = 0; i < rounds; i++) {
    for (const r of comparePolicies(slowShardScenario({ seed: `bench-${i}` }))) {
      byPolicy.set(r.policy, [...(byPolicy.get(r.policy) ?? []), r]);
    }
    // Let the event loop breathe between seeds; each one takes a fraction of a second.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const p99 = (policy: string): number => median((byPolicy.get(policy) ?? []).map((r) => r.p99Ms));
  const slowShare = median((byPolicy.get('lucent-p2c') ?? []).map((r) => r.share['s4'] ?? 0));
  return {
    case: caseName,
    metric: 'p99_ms',
    higherIsBetter: false,
    lucent: p99('lucent-p2c'),
    baselines: {
      'round-robin': p99('round-robin'),
      random: p99('random'),
      'least-loaded-stale': p99('least-loaded-stale'),
      'jsq-fresh': p99('jsq-fresh'),
      'sed-fresh': p99('sed-fresh'),
    },
    floors: ['jsq-fresh', 'sed-fresh'],
    note:
      `simulated: 4 shards × 2 slots, exp. service 4 ms, s4 5× slower, 8 callers, Poisson at 50% of healthy capacity, ` +
      `reports 1/s delivered 20 ms late; 20k calls per seed, median of ${rounds} seeds; Lucent sends ${(slowShare * 100).toFixed(1)}% to the slow shard ` +
      `(round-robin 25%). jsq-fresh/sed-fresh read true queues instantly: floors no real router reaches.`,
  };
}

export const routingArea: BenchArea = {
  area: 'routing',
  cases: [caseName],
  async run(options) {
    return wants(options, caseName) ? [await slowShard(options)] : [];
  },
};
