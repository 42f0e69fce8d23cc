// Plain-value builders of load reports for the routing specs and the simulator's docs examples.
import type { HostedFunctionLoad, LoadReport } from './loadReport.js';

/** A healthy shard hosting `functions` (name → load), overridable field by field. */
export function loadReport(
  shardId: string,
  functions: Readonly<Record<string, Partial<HostedFunctionLoad>>>,
  overrides: Partial<LoadReport> = {},
): LoadReport {
  const hosted: Record<string, HostedFunctionLoad> = {};
  for (const [name, load] of Object.entries(functions)) hosted[name] = { versions: ['1.0.0'], enabled: true, ...load };
  return {
    shardId,
    tags: [],
    functions: hosted,
    cpu: 0.2,
    memoryMb: 200,
    memoryFraction: 0.2,
    eventLoopLagMs: 1,
    inFlight: 0,
    sequence: 1,
    sentAt: 0,
    startedAt: 0,
    ...overrides,
  };
}

export function reportMap(...reports: LoadReport[]): Map<string, LoadReport> {
  return new Map(reports.map((r) => [r.shardId, r]));
}
