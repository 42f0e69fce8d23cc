// `lucent cluster`'s status line: load and calls/s read from a shard's latest report.
import { describe, expect, it } from 'vitest';
import type { LoadReport } from '@lucent/core';
import { statusLine } from './cluster.js';

const report: LoadReport = {
  shardId: 'shard-1',
  tags: ['aave'],
  functions: {
    'risk.healthFactor': { versions: ['1.0.0'], enabled: true, calls: 300, errors: 3 },
    'yield.aprToApy': { versions: ['1.0.0'], enabled: true, calls: 100, errors: 0 },
  },
  cpu: 0.42,
  memoryMb: 81,
  memoryFraction: 0.02,
  eventLoopLagMs: 1.25,
  inFlight: 7,
  sequence: 3,
  sentAt: 10_000,
  startedAt: 1,
  intervalMs: 2_000,
  receivedAt: 10_000,
};

describe('cluster status line', () => {
  it('shows load, in-flight and the calls per second of the last interval', () => {
    const line = statusLine('shard-1', report, 10_500, undefined);
    expect(line).toMatch(/shard-1 +\[aave\] +up +cpu +42% +mem +81 MB +lag +1\.3 ms +in-flight +7 +200 calls\/s +2 err\/s/);
  });

  it('tells a starting, a silent and an exited shard apart', () => {
    expect(statusLine('shard-2', undefined, 0, undefined)).toMatch(/starting/);
    expect(statusLine('shard-1', report, 10_000 + 7_000, undefined)).toMatch(/silent 7s/);
    expect(statusLine('shard-3', report, 0, 'SIGKILL')).toMatch(/exited \(SIGKILL\)/);
  });
});
