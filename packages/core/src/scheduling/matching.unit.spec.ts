// Event filters and external-arrival matching: which events a trigger sees and which wait an arrival belongs to.
import { describe, expect, it } from 'vitest';
import { ScheduleInvalidError } from './scheduleErrors.js';
import { matchesEventFilter } from './eventFilter.js';
import { firstMatchingArrival, judgeArrival, type ExternalWaitView } from './externalMatch.js';
import { checkTimerRequest, jsonValueIssues } from './timerSpec.js';

describe('matchesEventFilter', () => {
  const event = { stream: 'position-42', type: 'CollateralWithdrawn', data: { positionId: '42', asset: 'ETH' } };
  it('requires every given part: type, stream prefix and exact data fields', () => {
    expect(matchesEventFilter({}, event)).toBe(true);
    expect(matchesEventFilter({ types: ['CollateralWithdrawn', 'DebtIncreased'] }, event)).toBe(true);
    expect(matchesEventFilter({ types: ['DebtIncreased'] }, event)).toBe(false);
    expect(matchesEventFilter({ streamPrefix: 'position-' }, event)).toBe(true);
    expect(matchesEventFilter({ streamPrefix: 'order-' }, event)).toBe(false);
    expect(matchesEventFilter({ dataEquals: { asset: 'ETH' } }, event)).toBe(true);
    expect(matchesEventFilter({ dataEquals: { asset: 'BTC' } }, event)).toBe(false);
    expect(matchesEventFilter({ dataEquals: { asset: 'ETH' } }, { ...event, data: null })).toBe(false);
  });
});

describe('judgeArrival', () => {
  const wait: ExternalWaitView = { key: 'tx:1', registeredAt: 1_000, deadline: 2_000, lookbackMs: 500, state: 'waiting' };
  it('matches arrivals during the wait and within the lookback before it', () => {
    expect(judgeArrival(wait, { key: 'tx:1', arrivedAt: 1_500 })).toBe('match');
    expect(judgeArrival(wait, { key: 'tx:1', arrivedAt: 500 })).toBe('match');
    expect(judgeArrival(wait, { key: 'tx:1', arrivedAt: 499 })).toBe('ignore');
    expect(judgeArrival(wait, { key: 'tx:2', arrivedAt: 1_500 })).toBe('ignore');
  });
  it('calls an arrival at or after the deadline late, whether or not the timeout has run', () => {
    expect(judgeArrival(wait, { key: 'tx:1', arrivedAt: 2_000 })).toBe('late');
    expect(judgeArrival({ ...wait, state: 'timedOut' }, { key: 'tx:1', arrivedAt: 9_000 })).toBe('late');
    expect(judgeArrival({ ...wait, state: 'matched' }, { key: 'tx:1', arrivedAt: 1_500 })).toBe('ignore');
  });
  it('gives a new wait the earliest eligible arrival', () => {
    const arrivals = [
      { key: 'tx:1', arrivedAt: 900, id: 'b' },
      { key: 'tx:1', arrivedAt: 600, id: 'a' },
      { key: 'tx:1', arrivedAt: 100, id: 'too-old' },
    ];
    expect(firstMatchingArrival(wait, arrivals)?.id).toBe('a');
    expect(firstMatchingArrival(wait, [])).toBeUndefined();
  });
});

describe('checkTimerRequest', () => {
  const ok = { id: 't1', kind: 'once', handler: 'h', dueAt: 1, payload: { a: 1 } };
  const fieldOf = (t: object): string | undefined => {
    try {
      checkTimerRequest(t as Parameters<typeof checkTimerRequest>[0]);
      return undefined;
    } catch (e) {
      expect(e).toBeInstanceOf(ScheduleInvalidError);
      expect((e as ScheduleInvalidError).code).toBe('SCHEDULE_INVALID');
      return (e as ScheduleInvalidError).field;
    }
  };
  it('accepts a well-formed timer and names the field of a bad one', () => {
    expect(fieldOf(ok)).toBeUndefined();
    expect(fieldOf({ ...ok, kind: 'sometimes' })).toBe('kind');
    expect(fieldOf({ ...ok, id: '' })).toBe('id');
    expect(fieldOf({ ...ok, dueAt: Number.NaN })).toBe('dueAt');
    expect(fieldOf({ ...ok, kind: 'external' })).toBe('waitKey');
    expect(fieldOf({ ...ok, kind: 'cron', misfire: 'sometimes' })).toBe('misfire');
    expect(fieldOf({ ...ok, payload: { when: new Map() } })).toBe('payload.when');
  });
  it('accepts only JSON payloads', () => {
    expect(jsonValueIssues({ a: [1, 'x', null, { b: false }] })).toEqual([]);
    expect(jsonValueIssues(undefined)[0]?.path).toBe('payload');
    expect(jsonValueIssues({ n: Number.POSITIVE_INFINITY })[0]?.path).toBe('payload.n');
    expect(jsonValueIssues({ f: () => 1 })[0]?.message).toMatch(/JSON/);
  });
});
