// Issue 20.6: with 100 shards and 10,000 callers, Lucent's routing stays within 1.2× of the perfect-knowledge floor.
import { beforeAll, describe, expect, it } from 'vitest';
import { floorBound, floorRatios, formatFloorRatios, slowShardIds, type FloorRatio } from './floorRatio.js';
import { scaleScenario } from './scaleScenario.js';
import { capacityPerSecond, meanServiceMs } from './scenario.js';
import { lucentPolicy, randomPolicy, roundRobinPolicy, sedFreshPolicy } from './simPolicies.js';
import { comparePolicies } from './simulate.js';

// The documented run (docs/scaling.md, `lucent simulate --scenario scale`): default options, default seed.
const scenario = scaleScenario();

describe('scale scenario: 100 shards, 10,000 callers', () => {
  let ratios: FloorRatio[] = [];
  beforeAll(() => {
    ratios = floorRatios(scenario, comparePolicies(scenario, [lucentPolicy(), randomPolicy, roundRobinPolicy(), sedFreshPolicy]));
  });
  const of = (policy: string) => ratios.find((r) => r.policy === policy)!;

  it(`keeps Lucent's policy within ${floorBound}× of the perfect-knowledge floor, mean and p99`, () => {
    const lucent = of('lucent-p2c');
    expect(lucent.meanRatio).toBeLessThanOrEqual(floorBound);
    expect(lucent.p99Ratio).toBeLessThanOrEqual(floorBound);
    expect(lucent.withinBound).toBe(true);
    // It gets there by keeping calls off the slow shards, as the floor does.
    expect(lucent.slowShare).toBeLessThan(0.01);
  });

  it('discriminates: random and round-robin on the same workload are far past the bound', () => {
    for (const policy of ['random', 'round-robin']) {
      const r = of(policy);
      expect(r.withinBound).toBe(false);
      expect(r.meanRatio).toBeGreaterThan(2 * floorBound);
      expect(r.p99Ratio).toBeGreaterThan(2 * floorBound);
      // Blind policies send the slow shards their head-count share: 7 of 100.
      expect(r.slowShare).toBeCloseTo(0.07, 2);
    }
    expect(formatFloorRatios(ratios)).toMatch(/lucent-p2c .* yes/);
    expect(formatFloorRatios(ratios)).toMatch(/random .* no/);
  });

  it('is past the bound when the cluster runs hot: at 60% load no caller sees the queues it adds to', () => {
    const hot = scaleScenario({ load: 0.6, calls: 100_000 });
    const [lucent] = floorRatios(hot, comparePolicies(hot, [lucentPolicy(), sedFreshPolicy]));
    expect(lucent!.withinBound).toBe(false);
  });
});

describe('scaleScenario', () => {
  it('builds the documented mix: 100 shards of 4 and 8 slots, 5 of them 3× and 2 of them 10× slower, 10,000 callers', () => {
    expect(scenario.shards).toHaveLength(100);
    expect(scenario.callers).toBe(10_000);
    expect(new Set(scenario.shards.map((s) => s.concurrency))).toEqual(new Set([4, 8]));
    const means = scenario.shards.map((s) => Math.round(meanServiceMs(s.serviceTime)));
    expect(means.filter((m) => m === 60)).toHaveLength(5);
    expect(means.filter((m) => m === 200)).toHaveLength(2);
    expect(slowShardIds(scenario)).toHaveLength(7);
    expect(scenario.callsPerSecond).toBeCloseTo(0.3 * capacityPerSecond(scenario.shards), 6);
    expect(scenario.reportIntervalMs).toBe(1_000);
  });

  it('is deterministic: the same seed gives the same figures', () => {
    const small = scaleScenario({ shards: 10, callers: 100, calls: 5_000, seed: 'again' });
    expect(comparePolicies(small, [lucentPolicy()])).toEqual(comparePolicies(small, [lucentPolicy()]));
  });

  it('refuses options it cannot simulate, naming the option', () => {
    expect(() => scaleScenario({ shards: 1 })).toThrow(/shards/);
    expect(() => scaleScenario({ callers: 0 })).toThrow(/callers/);
    expect(() => scaleScenario({ load: 1 })).toThrow(/load/);
    expect(() => scaleScenario({ calls: 10 })).toThrow(/calls/);
    expect(() => scaleScenario({ slots: [4, 0] })).toThrow(/slots/);
  });
});
