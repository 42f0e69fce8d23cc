import { describe, expect, it } from 'vitest';
import { EventQueue } from './eventQueue.js';
import { capacityPerSecond, slowShardScenario } from './scenario.js';
import { jsqFreshPolicy, leastLoadedStalePolicy, lucentPolicy, randomPolicy, roundRobinPolicy } from './simPolicies.js';
import { comparePolicies, formatSimResults, simulate } from './simulate.js';

describe('routing simulator', () => {
  const slow = slowShardScenario({ seed: 'spec', calls: 12_000 });

  it("with one 5× slower shard, Lucent's p99 is at most half of round-robin's and the slow shard's share drops", () => {
    const [rr, lucent] = comparePolicies(slow, [roundRobinPolicy(), lucentPolicy()]);
    expect(lucent!.p99Ms).toBeLessThanOrEqual(rr!.p99Ms / 2);
    expect(rr!.share['s4']).toBeCloseTo(0.25, 2);
    expect(lucent!.share['s4']).toBeLessThan(0.1);
  });

  it("keeps Lucent's p99 with the slow shard within 2× of the same cluster without it", () => {
    const healthy = slowShardScenario({ seed: 'spec', calls: 12_000, slowFactor: 1 });
    const withSlow = simulate(slow, lucentPolicy());
    const without = simulate(healthy, lucentPolicy());
    expect(withSlow.p99Ms).toBeLessThanOrEqual(2 * without.p99Ms);
  });

  it('shows herding: least-loaded on stale reports does worse than plain random on a healthy cluster', () => {
    const healthy = slowShardScenario({ seed: 'spec', calls: 12_000, slowFactor: 1 });
    const [random, stale, lucent, jsq] = comparePolicies(healthy, [randomPolicy, leastLoadedStalePolicy, lucentPolicy(), jsqFreshPolicy]);
    expect(stale!.p99Ms).toBeGreaterThan(random!.p99Ms);
    expect(lucent!.p99Ms).toBeLessThan(stale!.p99Ms);
    expect(jsq!.p99Ms).toBeLessThanOrEqual(random!.p99Ms);
  });

  it('is deterministic: the same seed gives identical figures, another seed different ones', () => {
    const small = slowShardScenario({ seed: 'again', calls: 3_000 });
    expect(simulate(small, lucentPolicy())).toEqual(simulate(small, lucentPolicy()));
    expect(simulate(slowShardScenario({ seed: 'other', calls: 3_000 }), lucentPolicy())).not.toEqual(simulate(small, lucentPolicy()));
  });

  it('counts every measured call once and reports shares that sum to one', () => {
    const small = slowShardScenario({ seed: 'count', calls: 3_000 });
    const r = simulate(small, randomPolicy);
    expect(r.calls).toBe(small.calls - small.warmupCalls);
    expect(Object.values(r.share).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(r.p50Ms).toBeLessThanOrEqual(r.p99Ms);
    expect(formatSimResults([r])).toContain('random');
  });

  it('sizes the documented scenario from capacity: arrivals at half of the healthy cluster', () => {
    expect(capacityPerSecond(slow.shards)).toBeCloseTo(3 * 500 + 100);
    expect(slow.callsPerSecond).toBeCloseTo(1_000);
  });
});

describe('EventQueue', () => {
  it('pops by time, and in insertion order at equal times', () => {
    const q = new EventQueue<string>();
    for (const [t, v] of [[5, 'e'], [1, 'a'], [3, 'c1'], [3, 'c2'], [2, 'b'], [3, 'c3']] as const) q.push(t, v);
    const out: string[] = [];
    for (let e = q.pop(); e !== undefined; e = q.pop()) out.push(e.value);
    expect(out).toEqual(['a', 'b', 'c1', 'c2', 'c3', 'e']);
  });
});
