import { describe, expect, it } from 'vitest';
import { eligibleShards } from './eligibleShards.js';
import type { RoutingCall } from './routingCall.js';
import { thresholdRule, type RoutingRule } from './routingRules.js';
import { defaultRoutingTuning, tuningWith } from './routingTuning.js';
import { loadReport, reportMap } from './testReports.js';

const fn = 'trading.execute';
const call: RoutingCall = { functionName: fn, version: '1.0.0' };
const all = ['a', 'b', 'c'];
const t = defaultRoutingTuning;

function eligible(c: RoutingCall, reports: ReturnType<typeof reportMap>, rules: RoutingRule[] = [], tuning = t, exclude?: Set<string>) {
  return eligibleShards(c, all, reports, rules, tuning, exclude);
}

describe('eligibleShards: hard constraints', () => {
  it('keeps only live shards that host the function at the requested version', () => {
    const reports = reportMap(
      loadReport('a', { [fn]: {} }),
      loadReport('b', { [fn]: { versions: ['2.0.0'] } }),
      loadReport('c', { 'other.fn': {} }),
    );
    expect(eligible(call, reports)).toEqual({ eligible: ['a'] });
    expect(eligible({ functionName: fn }, reports)).toEqual({ eligible: ['a', 'b'] });
    expect(eligible({ functionName: 'nope.fn' }, reports)).toMatchObject({ denied: 'NOT_HOSTED' });
  });

  it('skips shards where the function is disabled, and says so when it is disabled everywhere', () => {
    const reports = reportMap(loadReport('a', { [fn]: { enabled: false } }), loadReport('b', { [fn]: {} }));
    expect(eligible(call, reports)).toEqual({ eligible: ['b'] });
    const off = reportMap(loadReport('a', { [fn]: { enabled: false } }));
    expect(eligible(call, off)).toMatchObject({ denied: 'DISABLED' });
  });

  it('follows the caller’s registry over a stale report: a re-enabled function is routed before the shards report it enabled', () => {
    const off = reportMap(loadReport('a', { [fn]: { enabled: false } }), loadReport('b', { [fn]: { enabled: false } }));
    expect(eligible({ ...call, enabledByRegistry: true }, off)).toEqual({ eligible: ['a', 'b'] });
  });

  it('sends trades above a notional threshold only to whale shards, and keeps small ones anywhere', () => {
    const reports = reportMap(
      loadReport('a', { [fn]: {} }),
      loadReport('b', { [fn]: {} }, { tags: ['whale'] }),
      loadReport('c', { [fn]: {} }),
    );
    const rules = [thresholdRule('whales', 'notional', 1_000_000, 'whale')];
    expect(eligible({ ...call, facts: { notional: 2_500_000 } }, reports, rules)).toEqual({ eligible: ['b'] });
    expect(eligible({ ...call, facts: { notional: 1_000 } }, reports, rules)).toEqual({ eligible: ['a', 'b', 'c'] });
  });

  it('denies a whale trade when no whale shard is up, naming the rule', () => {
    const reports = reportMap(loadReport('a', { [fn]: {} }));
    const result = eligible({ ...call, facts: { notional: 5e6 } }, reports, [thresholdRule('whales', 'notional', 1e6, 'whale')]);
    expect(result).toMatchObject({ denied: 'PLACEMENT_UNSATISFIED' });
    expect((result as { reason: string }).reason).toContain('whales');
  });

  it("falls back to other shards under a 'prefer' rule, and honours avoidTags and function patterns", () => {
    const reports = reportMap(loadReport('a', { [fn]: {} }), loadReport('b', { [fn]: {} }, { tags: ['whale'] }));
    const prefer: RoutingRule = { name: 'eu', when: [{ fact: 'region', equals: 'eu' }], requireTags: ['eu'], mode: 'prefer' };
    expect(eligible({ ...call, facts: { region: 'eu' } }, reports, [prefer])).toEqual({ eligible: ['a', 'b'] });
    const smallOffWhale: RoutingRule = { name: 'small', functions: ['trading.*'], when: [{ fact: 'notional', lt: 1e6 }], avoidTags: ['whale'] };
    expect(eligible({ ...call, facts: { notional: 10 } }, reports, [smallOffWhale])).toEqual({ eligible: ['a'] });
    expect(eligible({ functionName: 'risk.score', facts: { notional: 10 } }, reportMap(loadReport('b', { 'risk.score': {} }, { tags: ['whale'] })), [smallOffWhale])).toEqual({ eligible: ['b'] });
  });

  it("applies the registry's placement: pinned shards and required tags are hard, preferred tags soft", () => {
    const reports = reportMap(
      loadReport('a', { [fn]: {} }, { tags: ['aave'] }),
      loadReport('b', { [fn]: {} }, { tags: ['aave', 'fast'] }),
      loadReport('c', { [fn]: {} }),
    );
    expect(eligible({ ...call, placement: { requireTags: ['aave'] } }, reports)).toEqual({ eligible: ['a', 'b'] });
    expect(eligible({ ...call, placement: { requireTags: ['aave'], preferTags: ['fast'] } }, reports)).toEqual({ eligible: ['b'] });
    expect(eligible({ ...call, placement: { preferTags: ['gpu'] } }, reports)).toEqual({ eligible: ['a', 'b', 'c'] });
    expect(eligible({ ...call, placement: { shards: ['c'] } }, reports)).toEqual({ eligible: ['c'] });
    expect(eligible({ ...call, placement: { requireTags: ['gpu'] } }, reports)).toMatchObject({ denied: 'PLACEMENT_UNSATISFIED' });
  });

  it('prefers shards carrying the function affinity tags, and can require them', () => {
    const reports = reportMap(loadReport('a', { [fn]: {} }, { tags: ['arbitrage'] }), loadReport('b', { [fn]: {} }));
    expect(eligible({ ...call, shardAffinity: ['arbitrage'] }, reports)).toEqual({ eligible: ['a'] });
    expect(eligible({ ...call, shardAffinity: ['aave'] }, reports)).toEqual({ eligible: ['a', 'b'] });
    expect(eligible({ ...call, shardAffinity: ['aave'] }, reports, [], tuningWith({ affinity: 'require' }))).toMatchObject({
      denied: 'PLACEMENT_UNSATISFIED',
    });
  });

  it("keeps a heavy function off shards whose capacity is below its resource class", () => {
    const reports = reportMap(
      loadReport('a', { [fn]: {} }, { capacity: { cpu: 2, memory: 2 } }),
      loadReport('b', { [fn]: {} }, { capacity: { cpu: 8, memory: 8 } }),
      loadReport('c', { [fn]: {} }),
    );
    expect(eligible({ ...call, resources: { cpu: 6, memory: 4 } }, reports)).toEqual({ eligible: ['b', 'c'] });
    const small = reportMap(loadReport('a', { [fn]: {} }, { capacity: { cpu: 2, memory: 2 } }));
    expect(eligible({ ...call, resources: { cpu: 6, memory: 4 } }, small)).toMatchObject({ denied: 'NO_CAPACITY' });
  });

  it('excludes overloaded shards (lag, cpu, memory) unless all are, and then routes or denies by tuning', () => {
    const reports = reportMap(
      loadReport('a', { [fn]: {} }, { eventLoopLagMs: 900 }),
      loadReport('b', { [fn]: {} }, { cpu: 0.99 }),
      loadReport('c', { [fn]: {} }, { memoryFraction: 0.98 }),
    );
    expect(eligible(call, reports)).toEqual({ eligible: ['a', 'b', 'c'] });
    expect(eligible(call, reports, [], tuningWith({ whenAllOverloaded: 'deny' }))).toMatchObject({ denied: 'OVERLOADED' });
    const mixed = reportMap(loadReport('a', { [fn]: {} }, { eventLoopLagMs: 900 }), loadReport('b', { [fn]: {} }));
    expect(eligible(call, mixed)).toEqual({ eligible: ['b'] });
  });

  it('never offers a draining shard, a shard without a report, or one already tried', () => {
    const reports = reportMap(loadReport('a', { [fn]: {} }, { draining: true }), loadReport('b', { [fn]: {} }));
    expect(eligible(call, reports)).toEqual({ eligible: ['b'] });
    expect(eligible(call, reports, [], t, new Set(['b']))).toMatchObject({ denied: 'NO_LIVE_SHARD' });
  });
});
