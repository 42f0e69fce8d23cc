// The registry's per-function routes in shard eligibility: conditions on the call's facts, require vs prefer, avoided tags, reasons naming the route.
import { describe, expect, it } from 'vitest';
import { eligibleShards } from './eligibleShards.js';
import type { RoutingCall } from './routingCall.js';
import { describeRoute, thresholdRule, type FunctionRoute } from './routingRules.js';
import { defaultRoutingTuning } from './routingTuning.js';
import { loadReport, reportMap } from './testReports.js';

const fn = 'trading.placeOrder';
const reports = reportMap(
  loadReport('general-1', { [fn]: {} }, { tags: ['general'] }),
  loadReport('whale-1', { [fn]: {} }, { tags: ['whale'] }),
  loadReport('fast-1', { [fn]: {} }, { tags: ['low-latency', 'general'] }),
);
const all = [...reports.keys()];
const whales: FunctionRoute = { name: 'whales', when: [{ fact: 'notional', gte: 1_000_000 }], requireTags: ['whale'] };
const smallOffWhale: FunctionRoute = { name: 'small', when: [{ fact: 'notional', lt: 1_000_000 }], avoidTags: ['whale'] };

function place(facts: RoutingCall['facts'], routes: readonly FunctionRoute[], from = reports) {
  const call: RoutingCall = { functionName: fn, ...(facts === undefined ? {} : { facts }), placement: { routes } };
  return eligibleShards(call, all, from, [], defaultRoutingTuning);
}

describe('registry routes in eligibleShards', () => {
  it('sends a call whose facts meet the route to the shards carrying its tags, and leaves others alone', () => {
    expect(place({ notional: 2_500_000 }, [whales])).toEqual({ eligible: ['whale-1'] });
    expect(place({ notional: 999_999.99 }, [whales])).toEqual({ eligible: ['general-1', 'whale-1', 'fast-1'] });
  });

  it('never applies a route to a call without the fact it tests', () => {
    expect(place(undefined, [whales])).toEqual({ eligible: ['general-1', 'whale-1', 'fast-1'] });
    expect(place({ pair: 'ETH-USDC' }, [whales])).toEqual({ eligible: ['general-1', 'whale-1', 'fast-1'] });
  });

  it('keeps small orders off the whale shard with avoidTags', () => {
    expect(place({ notional: 10 }, [whales, smallOffWhale])).toEqual({ eligible: ['general-1', 'fast-1'] });
  });

  it('tests equals, in and ranges together: every condition must hold', () => {
    const route: FunctionRoute = {
      name: 'eth-mid',
      when: [
        { fact: 'pair', in: ['ETH-USDC', 'ETH-DAI'] },
        { fact: 'notional', gt: 100, lte: 1_000 },
        { fact: 'side', equals: 'buy' },
      ],
      requireTags: ['low-latency'],
    };
    expect(place({ pair: 'ETH-USDC', notional: 500, side: 'buy' }, [route])).toEqual({ eligible: ['fast-1'] });
    expect(place({ pair: 'ETH-USDC', notional: 500, side: 'sell' }, [route])).toEqual({ eligible: ['general-1', 'whale-1', 'fast-1'] });
    expect(place({ pair: 'BTC-USDC', notional: 500, side: 'buy' }, [route])).toEqual({ eligible: ['general-1', 'whale-1', 'fast-1'] });
    expect(place({ pair: 'ETH-DAI', notional: 1_001, side: 'buy' }, [route])).toEqual({ eligible: ['general-1', 'whale-1', 'fast-1'] });
    expect(place({ pair: 'ETH-DAI', notional: '500', side: 'buy' }, [route])).toEqual({ eligible: ['general-1', 'whale-1', 'fast-1'] });
  });

  it('denies a required route with no live shard, naming the route, its condition and its tags', () => {
    const noWhale = reportMap(loadReport('general-1', { [fn]: {} }, { tags: ['general'] }));
    const result = place({ notional: 5e6 }, [whales], noWhale);
    expect(result).toEqual({
      denied: 'PLACEMENT_UNSATISFIED',
      reason: `The registry's route "whales: notional>=1000000 → whale (required)" matches no live shard hosting ${fn}`,
    });
  });

  it("falls back to the other shards under a 'prefer' route", () => {
    const noWhale = reportMap(loadReport('general-1', { [fn]: {} }, { tags: ['general'] }));
    expect(place({ notional: 5e6 }, [{ ...whales, mode: 'prefer' }], noWhale)).toEqual({ eligible: ['general-1'] });
    expect(place({ notional: 5e6 }, [{ ...whales, mode: 'prefer' }])).toEqual({ eligible: ['whale-1'] });
  });

  it('applies routes first, then the static rules, each narrowing what the one before left', () => {
    const call: RoutingCall = { functionName: fn, facts: { notional: 10 }, placement: { routes: [smallOffWhale] } };
    const lowLatency = { name: 'fast', requireTags: ['low-latency'] };
    expect(eligibleShards(call, all, reports, [lowLatency], defaultRoutingTuning)).toEqual({ eligible: ['fast-1'] });
    const denied = eligibleShards(call, all, reports, [{ name: 'whales-only', requireTags: ['whale'] }], defaultRoutingTuning);
    expect(denied).toMatchObject({ denied: 'PLACEMENT_UNSATISFIED', reason: expect.stringContaining('Placement rule "whales-only') });
  });

  it('applies routes after the placement tags, so a route cannot widen what placement allows', () => {
    const call: RoutingCall = { functionName: fn, facts: { notional: 5e6 }, placement: { requireTags: ['general'], routes: [whales] } };
    expect(eligibleShards(call, all, reports, [], defaultRoutingTuning)).toMatchObject({ denied: 'PLACEMENT_UNSATISFIED' });
  });

  it('describes routes in one line as operators write them', () => {
    expect(describeRoute(whales)).toBe('whales: notional>=1000000 → whale (required)');
    expect(describeRoute({ name: 'any', avoidTags: ['slow'], mode: 'prefer' })).toBe('any: every call → not slow (preferred)');
    expect(describeRoute(thresholdRule('big', 'notional', 5, 'whale', ['trading.*']))).toBe('big: notional>=5 of trading.* → whale (required)');
    expect(describeRoute({ name: 'pairs', when: [{ fact: 'pair', in: ['A', 'B'] }, { fact: 'x', gt: 1, lt: 2 }], requireTags: ['a', 'b'] })).toBe(
      'pairs: pair=A,B and x>1 x<2 → a+b (required)',
    );
  });
});
