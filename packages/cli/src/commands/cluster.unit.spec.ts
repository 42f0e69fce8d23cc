// `lucent cluster`'s status line: load and calls/s read from a shard's latest report.
import { describe, expect, it } from 'vitest';
import type { LoadReport } from '@lucent/core';
import { statusLine, totalsLine } from './cluster.js';

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
    expect(line).toMatch(/shard-1 +\[aave\] +up +cpu +42% +mem +81 MB +lag +1\.3 ms +in-flight +7 +200 calls\/s +2 err\/s +2 fns\/2 versions/);
  });

  it('tells a starting, a silent and an exited shard apart', () => {
    expect(statusLine('shard-2', undefined, 0, undefined)).toMatch(/starting/);
    expect(statusLine('shard-1', report, 10_000 + 7_000, undefined)).toMatch(/silent 7s/);
    expect(statusLine('shard-3', report, 0, 'SIGKILL')).toMatch(/exited \(SIGKILL\)/);
  });

  it('follows a shard replaced after it exited: a process started since then reports under its id', () => {
    const replacement = { ...report, startedAt: 9_000, receivedAt: 10_000 };
    expect(statusLine('shard-1', replacement, 10_500, 'SIGKILL', 8_000)).toMatch(/shard-1 +\[aave\] +replaced/);
    // The dead process's own last report is not a replacement.
    expect(statusLine('shard-1', { ...report, startedAt: 1, receivedAt: 7_000 }, 10_500, 'SIGKILL', 8_000)).toMatch(/exited \(SIGKILL\)/);
  });

  it('sums calls, errors and in-flight over the shards that are up', () => {
    const silent = { ...report, shardId: 'shard-2', receivedAt: 1_000 };
    expect(totalsLine([report, { ...report, shardId: 'shard-3' }, silent], 10_500)).toMatch(/total +2 of 3 shards up +in-flight +14 +400 calls\/s +3 err\/s/);
  });
});
