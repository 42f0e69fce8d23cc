import { describe, expect, it } from 'vitest';
import { seededRandom } from '../context/seededRandom.js';
import { CallerViewTracker } from './callerViewTracker.js';
import { chooseShard, rankShards } from './powerOfTwoChoices.js';
import { emptyCallerView, isDenied, type RoutingCall } from './routingCall.js';
import { routingDeniedError } from './routingDenied.js';
import { thresholdRule } from './routingRules.js';
import { loadReport, reportMap } from './testReports.js';

const fn = 'trading.execute';
const call: RoutingCall = { functionName: fn, version: '1.0.0' };

/** A random source that replays fixed draws, so each pairing is chosen by hand. */
function draws(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

function shardOf(d: ReturnType<typeof chooseShard>): string {
  if (isDenied(d)) throw new Error(`denied: ${d.reason}`);
  return d.shardId;
}

describe('chooseShard: power of two choices', () => {
  const reports = reportMap(
    loadReport('a', { [fn]: { latencyEwmaMs: 2 } }),
    loadReport('b', { [fn]: { latencyEwmaMs: 2 } }),
    loadReport('c', { [fn]: { latencyEwmaMs: 10 } }),
  );
  const ids = ['a', 'b', 'c'];

  it('of the two sampled shards, picks the one with less of this caller in flight', () => {
    const view = new CallerViewTracker();
    view.started('a');
    view.started('a');
    // draws 0, 0 → sample a then b (partial shuffle of [a, b, c]).
    expect(shardOf(chooseShard(call, ids, reports, view, [], draws(0, 0), 0))).toBe('b');
  });

  it('weighs in-flight by the latency EWMA: a 5× slower shard loses even when idle', () => {
    const view = new CallerViewTracker();
    view.started('a');
    view.started('a');
    // sample c then a: a scores (2+1)×2 = 6; c, 5× the median (beyond the tolerance), counts in full: 10.
    expect(shardOf(chooseShard(call, ids, reports, view, [], draws(0.9, 0.9), 0))).toBe('a');
  });

  it("moves calls off a shard whose link this caller sees as slow, and back once the estimate has decayed", () => {
    const view = new CallerViewTracker();
    // a and b answer about 0.3 ms beyond their service time; b's link now adds 100 ms.
    view.linkSample('a', 0.3, 0, 2_000);
    view.linkSample('b', 0.3, 0, 2_000);
    view.linkSample('b', 100, 0, 2_000);
    for (let i = 0; i < 3; i++) view.started('a');
    // b's EWMA is 0.3 + 0.2 × 99.7 ≈ 20 ms; the median of two is their mean, ≈ 10. Sample a then b: a with three
    // calls in flight scores 4 × 2 = 8; b, idle, 2 + ≈ 10 over the median ≈ 12.
    expect(shardOf(chooseShard(call, ['a', 'b'], reports, view, [], draws(0, 0), 0))).toBe('a');
    // Ten seconds without a reply from b: its estimate has halved five times, below the band, and b is idle again.
    expect(shardOf(chooseShard(call, ['a', 'b'], reports, view, [], draws(0, 0), 10_000))).toBe('b');
  });

  it('never picks the worst shard with k=2 and samples three for high priority', () => {
    const counts = new Map<string, number>();
    const random = seededRandom('p2c');
    for (let i = 0; i < 300; i++) {
      const s = shardOf(chooseShard(call, ids, reports, emptyCallerView, [], random, 0));
      counts.set(s, (counts.get(s) ?? 0) + 1);
    }
    expect(counts.get('c')).toBeUndefined();
    expect(counts.get('a')! + counts.get('b')!).toBe(300);
    // With three samples out of three, the best shard always wins: ties go to the first drawn.
    const busy = new CallerViewTracker();
    busy.started('a');
    busy.started('b');
    busy.started('b');
    busy.started('b');
    busy.started('b');
    const high = { ...call, priority: 'high' as const };
    for (let i = 0; i < 20; i++) expect(shardOf(chooseShard(high, ids, reports, busy, [], random, 0))).toBe('a');
  });

  it('is deterministic for a given random source', () => {
    const run = () => {
      const r = seededRandom('same');
      return Array.from({ length: 50 }, () => shardOf(chooseShard(call, ids, reports, emptyCallerView, [], r, 0)));
    };
    expect(run()).toEqual(run());
  });

  it('steers away from a shard this caller just saw fail, and back once the error has aged', () => {
    const view = new CallerViewTracker();
    view.failed('a', 1_000);
    expect(shardOf(chooseShard(call, ids, reports, view, [], draws(0, 0), 1_000))).toBe('b');
    // Much later, a and b tie again and the first drawn (a) wins.
    expect(shardOf(chooseShard(call, ids, reports, view, [], draws(0, 0), 1_000_000))).toBe('a');
  });

  it('gives a newly seen shard only a small share at first', () => {
    const view = new CallerViewTracker();
    view.seen('a', 0);
    view.seen('b', -60_000);
    expect(shardOf(chooseShard(call, ['a', 'b'], reports, view, [], draws(0, 0), 100))).toBe('b');
    expect(shardOf(chooseShard(call, ['a', 'b'], reports, view, [], draws(0, 0), 60_000))).toBe('a');
  });

  it('applies hard constraints before scoring, and a denial maps to a typed error', () => {
    const withWhale = reportMap(...reports.values(), loadReport('w', { [fn]: { latencyEwmaMs: 50 } }, { tags: ['whale'] }));
    const rules = [thresholdRule('whales', 'notional', 1e6, 'whale')];
    const whaleCall = { ...call, facts: { notional: 3e6 } };
    expect(shardOf(chooseShard(whaleCall, [...ids, 'w'], withWhale, emptyCallerView, rules, seededRandom('w'), 0))).toBe('w');
    const denied = chooseShard(whaleCall, ids, withWhale, emptyCallerView, rules, seededRandom('w'), 0);
    expect(denied).toMatchObject({ denied: 'PLACEMENT_UNSATISFIED' });
    if (!isDenied(denied)) throw new Error('expected a denial');
    expect(routingDeniedError(whaleCall, denied).code).toBe('UNAVAILABLE');
    expect(routingDeniedError(call, { denied: 'NOT_HOSTED', reason: '' }).code).toBe('FUNCTION_NOT_FOUND');
    expect(routingDeniedError(call, { denied: 'DISABLED', reason: '' }).code).toBe('FUNCTION_DISABLED');
  });
});

describe('rankShards: the failover order', () => {
  const reports = reportMap(
    loadReport('a', { [fn]: { latencyEwmaMs: 3 } }),
    loadReport('b', { [fn]: { latencyEwmaMs: 1 } }),
    loadReport('c', { [fn]: { latencyEwmaMs: 9 } }),
    loadReport('d', { [fn]: { latencyEwmaMs: 2 } }),
  );
  const ids = ['a', 'b', 'c', 'd'];

  it("starts with chooseShard's pick for the same draws and lists every other shard best first", () => {
    const plan = rankShards(call, ids, reports, emptyCallerView, [], seededRandom('r'), 0);
    const pick = chooseShard(call, ids, reports, emptyCallerView, [], seededRandom('r'), 0);
    if (isDenied(plan) || isDenied(pick)) throw new Error('denied');
    expect(plan.order[0]).toBe(pick.shardId);
    expect([...plan.order].sort()).toEqual(ids);
    const rest = plan.order.slice(1);
    const expected = ['b', 'd', 'a', 'c'].filter((id) => id !== pick.shardId);
    expect(rest).toEqual(expected);
  });

  it('leaves out shards already tried and denies once all have been', () => {
    const plan = rankShards(call, ids, reports, emptyCallerView, [], seededRandom('r'), 0, { exclude: new Set(['b', 'd']) });
    if (isDenied(plan)) throw new Error('denied');
    expect([...plan.order].sort()).toEqual(['a', 'c']);
    expect(rankShards(call, ids, reports, emptyCallerView, [], seededRandom('r'), 0, { exclude: new Set(ids) })).toMatchObject({
      denied: 'NO_LIVE_SHARD',
    });
  });
});
