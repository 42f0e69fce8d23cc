import { describe, expect, it } from 'vitest';
import { aliveShards, expiredShards, isAlive } from './liveness.js';
import { isNewerReport } from './loadReport.js';
import { loadReport, reportMap } from './testReports.js';

const options = { intervalMs: 1_000, missedReports: 3 };

describe('liveness', () => {
  it('keeps a shard until it has missed the configured number of reports, then drops it', () => {
    const r = loadReport('a', {}, { sentAt: 10_000 });
    expect(isAlive(r, 12_999, options)).toBe(true);
    expect(isAlive(r, 13_000, options)).toBe(true);
    expect(isAlive(r, 13_001, options)).toBe(false);
  });

  it("prefers the receiver's arrival time to the sender's clock", () => {
    // The sender's clock runs 60 s behind; by its stamp it would look long dead.
    const r = loadReport('a', {}, { sentAt: 40_000, receivedAt: 100_000 });
    expect(isAlive(r, 101_000, options)).toBe(true);
  });

  it("uses the shard's own stated interval when it has one", () => {
    const r = loadReport('slow-reporter', {}, { sentAt: 0, intervalMs: 5_000 });
    expect(isAlive(r, 14_000, options)).toBe(true);
    expect(isAlive(r, 16_000, options)).toBe(false);
  });

  it('lists alive shards sorted and the expired ones separately', () => {
    const reports = reportMap(
      loadReport('c', {}, { sentAt: 9_500 }),
      loadReport('a', {}, { sentAt: 9_000 }),
      loadReport('b', {}, { sentAt: 1_000 }),
    );
    expect(aliveShards(reports, 10_000, options)).toEqual(['a', 'c']);
    expect(aliveShards([...reports.values()], 10_000, options)).toEqual(['a', 'c']);
    expect(expiredShards(reports, 10_000, options)).toEqual(['b']);
  });

  it('orders reports of one shard by process start, then sequence, so a late packet never rolls back', () => {
    const held = loadReport('a', {}, { startedAt: 100, sequence: 7 });
    expect(isNewerReport(undefined, held)).toBe(true);
    expect(isNewerReport(held, { ...held, sequence: 6 })).toBe(false);
    expect(isNewerReport(held, { ...held, sequence: 8 })).toBe(true);
    // A restarted process counts from 0 again but is newer.
    expect(isNewerReport(held, { ...held, startedAt: 200, sequence: 0 })).toBe(true);
    expect(isNewerReport(held, { ...held, startedAt: 50, sequence: 99 })).toBe(false);
  });
});
