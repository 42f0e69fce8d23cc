import { describe, expect, it } from 'vitest';
import type { CallerView } from './routingCall.js';
import { defaultRoutingTuning as t } from './routingTuning.js';
import { decayedErrors, effectiveLatencyMs, referenceLatencyMs, shardScore, slowStartWeight } from './shardScore.js';
import { loadReport, reportMap } from './testReports.js';

const fn = 'risk.score';
const call = { functionName: fn };

function view(parts: Partial<{ inFlight: [string, number][]; errors: [string, number[]][]; firstSeen: [string, number][] }>): CallerView {
  return {
    inFlight: new Map(parts.inFlight ?? []),
    recentErrors: new Map(parts.errors ?? []),
    firstSeen: new Map(parts.firstSeen ?? []),
  };
}

describe('shardScore', () => {
  it("is the caller's in-flight count plus one, times the shard's latency for this function", () => {
    const r = loadReport('a', { [fn]: { latencyEwmaMs: 4 } });
    expect(shardScore('a', call, r, view({}), 0, t, 4)).toBe(4);
    expect(shardScore('a', call, r, view({ inFlight: [['a', 2]] }), 0, t, 4)).toBe(12);
  });

  it('uses the reference latency where the shard has none for this function', () => {
    const r = loadReport('a', { [fn]: {} });
    expect(shardScore('a', call, r, view({}), 0, t, 7)).toBe(7);
  });

  it('treats latencies within the tolerance of the reference as equal, and counts larger gaps in full', () => {
    // Noise: 1.3× the reference counts as the reference, so callers do not herd on it.
    expect(effectiveLatencyMs(13, 10, t)).toBe(10);
    expect(effectiveLatencyMs(8, 10, t)).toBe(10);
    // A 5× slower shard counts as 5× slower (not less: a busy fast shard must still beat it); a 3× faster one as 3× faster.
    expect(effectiveLatencyMs(50, 10, t)).toBe(50);
    expect(effectiveLatencyMs(10 / 3, 10, t)).toBeCloseTo(10 / 3);
    expect(effectiveLatencyMs(50, 10, { ...t, latencyTolerance: 1 })).toBeCloseTo(50);
    expect(effectiveLatencyMs(undefined, 10, t)).toBe(10);
  });

  it('takes the median of known latencies as the reference, or the default when none is known', () => {
    const reports = reportMap(
      loadReport('a', { [fn]: { latencyEwmaMs: 2 } }),
      loadReport('b', { [fn]: { latencyEwmaMs: 10 } }),
      loadReport('c', { [fn]: { latencyEwmaMs: 4 } }),
      loadReport('d', { [fn]: {} }),
    );
    expect(referenceLatencyMs(call, ['a', 'b', 'c', 'd'], reports, t)).toBe(4);
    expect(referenceLatencyMs(call, ['a', 'b'], reports, t)).toBe(6);
    expect(referenceLatencyMs(call, ['d'], reports, t)).toBe(t.defaultLatencyMs);
  });

  it('penalises a fresh error heavily and forgives it as it ages', () => {
    const r = loadReport('a', { [fn]: { latencyEwmaMs: 1 } });
    const v = view({ errors: [['a', [10_000]]] });
    const fresh = shardScore('a', call, r, v, 10_000, t, 1);
    const halfLife = shardScore('a', call, r, v, 10_000 + t.errorHalfLifeMs, t, 1);
    const old = shardScore('a', call, r, v, 10_000 + t.errorHalfLifeMs * t.errorHorizonHalfLives, t, 1);
    expect(fresh).toBe(1 + t.errorWeight);
    expect(halfLife).toBeCloseTo(1 + t.errorWeight / 2);
    expect(old).toBe(1);
    expect(decayedErrors([0, 0, 0], 0, t)).toBe(3);
  });

  it("raises the score of a shard that reports a high error rate for this function", () => {
    const ok = loadReport('a', { [fn]: { latencyEwmaMs: 1, calls: 100, errors: 0 } });
    const bad = loadReport('b', { [fn]: { latencyEwmaMs: 1, calls: 100, errors: 50 } });
    expect(shardScore('b', call, bad, view({}), 0, t, 1)).toBeGreaterThan(shardScore('a', call, ok, view({}), 0, t, 1));
  });

  it('slow-starts a shard first seen recently: its weight ramps from the minimum to 1', () => {
    expect(slowStartWeight(undefined, 5, t)).toBe(1);
    expect(slowStartWeight(0, 0, t)).toBe(t.slowStartMinWeight);
    expect(slowStartWeight(0, t.slowStartMs / 2, t)).toBe(0.5);
    expect(slowStartWeight(0, t.slowStartMs, t)).toBe(1);
    const r = loadReport('new', { [fn]: { latencyEwmaMs: 2 } });
    // reference 2 = its own latency, so only the slow-start weight changes the score.
    expect(shardScore('new', call, r, view({ firstSeen: [['new', 0]] }), 0, t, 2)).toBeCloseTo(2 / t.slowStartMinWeight);
  });
});
