// How far each policy is from the perfect-knowledge floor (mean and p99 latency ratios), and the table the CLI prints.
import { meanServiceMs, type SimScenario } from './scenario.js';
import type { SimResult } from './simulate.js';

/** The oracle every policy is measured against: shortest expected delay on true queues and speeds. */
export const floorPolicyName = 'sed-fresh';

/** The routing-quality bound issue 20 sets: latency within this factor of the floor. */
export const floorBound = 1.2;

export interface FloorRatio {
  readonly policy: string;
  readonly meanMs: number;
  readonly p99Ms: number;
  /** This policy's mean latency ÷ the floor's. */
  readonly meanRatio: number;
  /** This policy's p99 latency ÷ the floor's. */
  readonly p99Ratio: number;
  /** Both ratios at or below the bound. */
  readonly withinBound: boolean;
  /** Fraction of measured calls served by shards at least 1.5× slower than the median shard. */
  readonly slowShare: number;
}

/** Shards whose mean service time is at least 1.5× the median shard's: the ones a good router avoids. */
export function slowShardIds(scenario: SimScenario): string[] {
  const means = scenario.shards.map((s) => meanServiceMs(s.serviceTime));
  const sorted = [...means].sort((a, b) => a - b);
  const median = sorted[sorted.length >> 1] ?? 0;
  return scenario.shards.filter((_, i) => means[i]! >= 1.5 * median).map((s) => s.id);
}

/** Every result against the floor's (which must be among them). */
export function floorRatios(scenario: SimScenario, results: readonly SimResult[], bound = floorBound): FloorRatio[] {
  const floor = results.find((r) => r.policy === floorPolicyName);
  if (floor === undefined) throw new RangeError(`floorRatios needs the ${floorPolicyName} policy among the results`);
  const slow = slowShardIds(scenario);
  return results.map((r) => {
    const meanRatio = r.meanMs / floor.meanMs;
    const p99Ratio = r.p99Ms / floor.p99Ms;
    return {
      policy: r.policy,
      meanMs: r.meanMs,
      p99Ms: r.p99Ms,
      meanRatio,
      p99Ratio,
      withinBound: meanRatio <= bound && p99Ratio <= bound,
      slowShare: slow.reduce((sum, id) => sum + (r.share[id] ?? 0), 0),
    };
  });
}

const ratio = (x: number): string => (x >= 100 ? `${x.toFixed(0)}×` : `${x.toFixed(2)}×`);

/** A fixed-width table: latency, ratio to the floor and share on slow shards, one row a policy. */
export function formatFloorRatios(ratios: readonly FloorRatio[], bound = floorBound): string {
  const head = [
    'policy'.padEnd(20),
    'mean ms'.padStart(9),
    'p99 ms'.padStart(9),
    'mean/floor'.padStart(11),
    'p99/floor'.padStart(10),
    `≤ ${bound}×`.padStart(6),
    'slow share'.padStart(11),
  ].join(' ');
  const rows = ratios.map((r) =>
    [
      r.policy.padEnd(20),
      r.meanMs.toFixed(1).padStart(9),
      r.p99Ms.toFixed(1).padStart(9),
      ratio(r.meanRatio).padStart(11),
      ratio(r.p99Ratio).padStart(10),
      (r.policy === floorPolicyName ? 'floor' : r.withinBound ? 'yes' : 'no').padStart(6),
      `${(r.slowShare * 100).toFixed(2)}%`.padStart(11),
    ].join(' '),
  );
  return [head, ...rows].join('\n');
}
