import { describe, expect, it } from 'vitest';
import type { CallerView } from './routingCall.js';
import { defaultRoutingTuning as t } from './routingTuning.js';
import { CallerViewTracker, decayedLinkDelayMs } from './callerViewTracker.js';
import { decayedErrors, effectiveLatencyMs, linkExtraMs, referenceLatencyMs, referenceLinkDelayMs, shardScore, slowStartWeight } from './shardScore.js';
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

  it("adds a shard's link delay above the median of the eligible shards, beyond a band, and never subtracts", () => {
    const v = new CallerViewTracker();
    v.linkSample('a', 1, 0, t.linkHalfLifeMs);
    v.linkSample('b', 2, 0, t.linkHalfLifeMs);
    v.linkSample('c', 50, 0, t.linkHalfLifeMs);
    const reference = referenceLinkDelayMs(['a', 'b', 'c'], v, 0, t);
    expect(reference).toBe(2);
    // a is faster than the median: no bonus (callers would herd on it). b is the median. c is 48 ms over.
    expect(linkExtraMs('a', v, 0, t, reference)).toBe(0);
    expect(linkExtraMs('b', v, 0, t, reference)).toBe(0);
    expect(linkExtraMs('c', v, 0, t, reference)).toBe(48);
    // 1.9 ms over is jitter, inside the band of linkMinExtraMs.
    const jitter = new CallerViewTracker();
    jitter.linkSample('a', 0.5, 0, t.linkHalfLifeMs);
    jitter.linkSample('b', 2.4, 0, t.linkHalfLifeMs);
    expect(linkExtraMs('b', jitter, 0, t, 0.5)).toBe(0);
    // In the score it is added to the shard's latency before the in-flight multiplier.
    const r = loadReport('c', { [fn]: { latencyEwmaMs: 4 } });
    expect(shardScore('c', call, r, v, 0, t, 4, reference)).toBe(52);
    expect(shardScore('c', call, r, v, 0, t, 4)).toBe(54);
    // Paid once per call: with two calls in flight, 3 × 4 + 48.
    v.started('c');
    v.started('c');
    expect(shardScore('c', call, r, v, 0, t, 4, reference)).toBe(60);
  });

  it('keeps a link-delay EWMA per shard that decays by half-lives without new replies', () => {
    const v = new CallerViewTracker(16, 0.5);
    v.linkSample('a', 10, 0, 1_000);
    expect(v.linkDelay.get('a')).toEqual({ ms: 10, at: 0 });
    v.linkSample('a', 20, 0, 1_000);
    expect(v.linkDelay.get('a')?.ms).toBe(15);
    expect(decayedLinkDelayMs(v.linkDelay.get('a'), 2_000, 1_000)).toBeCloseTo(3.75);
    // A new sample starts from the decayed value: a shard avoided for a while is judged on its newest reply.
    v.linkSample('a', 0, 2_000, 1_000);
    expect(v.linkDelay.get('a')?.ms).toBeCloseTo(1.875);
    // Negative samples (a reported EWMA above this round trip) count as zero; a forgotten shard starts over.
    v.linkSample('b', -3, 0, 1_000);
    expect(v.linkDelay.get('b')?.ms).toBe(0);
    v.forget('a');
    expect(v.linkDelay.has('a')).toBe(false);
    expect(decayedLinkDelayMs(undefined, 0, 1_000)).toBe(0);
  });
});
