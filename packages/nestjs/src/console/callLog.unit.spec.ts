// The console's call log: newest first within its capacity, filters, and rates over what it still holds.
import { describe, expect, it } from 'vitest';
import { CallLog, p99, type CallRecord } from './callLog.js';

const call = (n: number, over: Partial<CallRecord> = {}): CallRecord => ({
  at: new Date(n * 1_000).toISOString(),
  function: 'f',
  version: '1.0.0',
  shard: 'local',
  outcome: 'ok',
  code: null,
  message: null,
  correlationId: `c${n}`,
  traceId: null,
  user: null,
  durationMs: n,
  ...over,
});

describe('CallLog', () => {
  it('keeps the newest `capacity` calls, newest first, and tells listeners of each', () => {
    const log = new CallLog({ capacity: 3, clock: () => 0 });
    const heard: string[] = [];
    log.onCall((r) => heard.push(r.correlationId));
    for (let n = 1; n <= 5; n++) log.add(call(n));
    expect(log.recent().map((r) => r.correlationId)).toEqual(['c5', 'c4', 'c3']);
    expect(log.recent({}, 2).map((r) => r.correlationId)).toEqual(['c5', 'c4']);
    expect(heard).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
  });

  it('filters by function, code, user and outcome together', () => {
    const log = new CallLog({ clock: () => 0 });
    log.add(call(1, { function: 'a', outcome: 'error', code: 'FUNCTION_FAILED', user: 'u1' }));
    log.add(call(2, { function: 'a', outcome: 'error', code: 'DEADLINE_EXCEEDED', user: 'u1' }));
    log.add(call(3, { function: 'b', outcome: 'error', code: 'FUNCTION_FAILED', user: 'u2' }));
    log.add(call(4, { function: 'a' }));
    expect(log.recent({ function: 'a', code: 'FUNCTION_FAILED' }).map((r) => r.correlationId)).toEqual(['c1']);
    expect(log.recent({ user: 'u1' }).map((r) => r.correlationId)).toEqual(['c2', 'c1']);
    expect(log.recent({ function: 'a', outcome: 'ok' }).map((r) => r.correlationId)).toEqual(['c4']);
  });

  it('gives calls per second, error rate and p99 per version over the window, not over time before the log existed', () => {
    let now = 100_000;
    const log = new CallLog({ clock: () => now, rateWindowMs: 60_000 });
    now = 110_000;
    for (let i = 0; i < 10; i++) log.add(call(100 + i, { version: i < 8 ? '1.0.0' : '2.0.0', outcome: i === 9 ? 'error' : 'ok' }));
    // Ten seconds old: ten calls over ten seconds, not over the sixty of the window.
    expect(log.callsPerSec()).toBe(1);
    const rates = log.rates().get('f');
    expect(rates?.get('1.0.0')).toEqual({ callsPerSec: 0.8, errorRate: 0, p99Ms: 107 });
    expect(rates?.get('2.0.0')).toEqual({ callsPerSec: 0.2, errorRate: 0.5, p99Ms: 109 });
    now = 300_000;
    expect(log.callsPerSec()).toBe(0);
    expect(log.rates().size).toBe(0);
  });

  it('takes p99 by nearest rank', () => {
    expect(p99([])).toBeNull();
    expect(p99([5])).toBe(5);
    expect(p99(Array.from({ length: 200 }, (_, i) => i + 1))).toBe(198);
  });
});
