// The given/when/then helpers pass on right answers and fail loudly on wrong ones.
import { describe, expect, it } from 'vitest';
import type { DomainEvent } from '../context/functionContext.js';
import type { Decider } from '../deciders/decider.js';
import { RuleViolationError } from '../errors/errors.js';
import type { Projection } from '../projections/projection.js';
import { deciderSpec } from './deciderSpec.js';
import { asStored, projectionSpec } from './projectionSpec.js';

type Ev = DomainEvent<'Added', { n: number }>;
const counter: Decider<{ add: number }, Ev, number> = {
  initialState: () => 0,
  evolve: (s, e) => s + e.data.n,
  decide: (c, s) => {
    if (s + c.add > 10) throw new RuleViolationError('max', 'Counter cannot pass 10');
    return [{ type: 'Added', data: { n: c.add } }];
  },
};
const totals: Projection<{ sum: number }, Ev> = {
  name: 'totals',
  keyOf: (e) => e.stream,
  initialView: () => ({ sum: 0 }),
  apply: (v, e) => ({ sum: v.sum + e.data.n }),
};

describe('deciderSpec', () => {
  const added = (n: number): Ev => ({ type: 'Added', data: { n } });
  it('passes when decide returns the expected events or error', () => {
    deciderSpec(counter).given([added(4)]).when({ add: 2 }).then([added(2)]);
    expect(deciderSpec(counter).given([added(9)]).when({ add: 2 }).thenThrows('RULE_VIOLATED').message).toMatch(/pass 10/);
  });
  it('fails when the events differ, or the error is missing or different', () => {
    expect(() => deciderSpec(counter).given([]).when({ add: 2 }).then([added(3)])).toThrow(/Expected events/);
    expect(() => deciderSpec(counter).given([]).when({ add: 2 }).thenThrows('RULE_VIOLATED')).toThrow(/but decide returned/);
    expect(() => deciderSpec(counter).given([added(9)]).when({ add: 2 }).thenThrows('CONFLICT')).toThrow(/Expected a LucentError CONFLICT/);
  });
});

describe('projectionSpec', () => {
  const events = asStored('a', [{ type: 'Added', data: { n: 2 } }, { type: 'Added', data: { n: 3 } }] as Ev[]);
  it('passes for the right view, including when every event is delivered twice', () => {
    projectionSpec(totals).given(events).then({ a: { sum: 5 } });
  });
  it('fails for a wrong view', () => {
    expect(() => projectionSpec(totals).given(events).then({ a: { sum: 6 } })).toThrow(/expected/);
  });
});
