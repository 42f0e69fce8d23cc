// Liveness: which shards count as alive, from their last reports and the caller's clock.
import type { LoadReport } from './loadReport.js';

export interface LivenessOptions {
  /** Expected gap between two reports of one shard, ms, when the report does not state its own. */
  readonly intervalMs: number;
  /** A shard silent for this many intervals is dropped. */
  readonly missedReports: number;
}

export const defaultLiveness: LivenessOptions = Object.freeze({ intervalMs: 1_000, missedReports: 3 });

/** When the caller last heard from the shard: its own arrival stamp when it has one (clocks differ between machines). */
export function lastHeardAt(report: LoadReport): number {
  return report.receivedAt ?? report.sentAt;
}

/** A shard is alive until it has missed `missedReports` of its intervals. */
export function isAlive(report: LoadReport, now: number, options: LivenessOptions = defaultLiveness): boolean {
  const interval = report.intervalMs ?? options.intervalMs;
  return now - lastHeardAt(report) <= interval * options.missedReports;
}

/** Ids of the shards alive at `now`, sorted so the result does not depend on arrival order. */
export function aliveShards(
  reports: ReadonlyMap<string, LoadReport> | Iterable<LoadReport>,
  now: number,
  options: LivenessOptions = defaultLiveness,
): string[] {
  const list = reports instanceof Map ? (reports as ReadonlyMap<string, LoadReport>).values() : (reports as Iterable<LoadReport>);
  const alive: string[] = [];
  for (const report of list) if (isAlive(report, now, options)) alive.push(report.shardId);
  return alive.sort();
}

/** Ids of the shards to forget: silent past the liveness window. */
export function expiredShards(
  reports: ReadonlyMap<string, LoadReport>,
  now: number,
  options: LivenessOptions = defaultLiveness,
): string[] {
  const gone: string[] = [];
  for (const [id, report] of reports) if (!isAlive(report, now, options)) gone.push(id);
  return gone.sort();
}
