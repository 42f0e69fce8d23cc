// GET /console/api/cluster: the gateway and every shard (load, versions, breaker, health) from the load reports this process receives.
import type { LoadReport } from '@lucent/core';
import type { FunctionInfo } from '@lucent/runtime';
import { ProcessLoad, type ProcessLoadSample } from '@lucent/runtime/cluster';
import type { CallLog } from './callLog.js';

export type ShardStatus = 'healthy' | 'draining' | 'suspect' | 'down';
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface ShardEntry {
  readonly id: string;
  readonly tags: readonly string[];
  readonly status: ShardStatus;
  /** CPU use over the shard's last report interval, 0..1. */
  readonly cpu: number;
  readonly memoryMb: number;
  readonly eventLoopLagMs: number;
  readonly inFlight: number;
  readonly callsPerSec: number;
  /** `name@version` of every version the shard can run. */
  readonly versions: readonly string[];
  readonly breaker: BreakerState;
}

export interface ClusterAnswer {
  readonly gateway: { readonly id: string; readonly callsPerSec: number; readonly inFlight: number } | null;
  readonly shards: readonly ShardEntry[];
}

/** What the view reads of a ClusterClient: the load reports it holds and its breakers. */
export interface ClusterSource {
  readonly directory: { readonly reports: ReadonlyMap<string, LoadReport> };
  breakerStates(): readonly { readonly shard: string; readonly state: BreakerState }[];
}

/** This process: `shard` when it runs the functions itself (embedded), `gateway` when it routes them to shards. */
export interface ConsoleSelf {
  readonly id: string;
  readonly role: 'shard' | 'gateway';
  readonly tags?: readonly string[];
}

export interface ClusterViewSources {
  readonly self?: ConsoleSelf;
  readonly cluster?: ClusterSource;
  /** The functions this process runs (its versions, for an embedded process's entry). */
  readonly functions?: () => readonly FunctionInfo[];
  readonly calls?: CallLog;
  readonly clock?: () => number;
  /** How long a shard that stopped reporting stays listed as `down` (default 5 minutes). */
  readonly forgetAfterMs?: number;
}

/** A shard's status from the age of its last report and its breaker: late by half an interval is suspect, by three is down. */
export function shardStatus(report: LoadReport, breaker: BreakerState, now: number): ShardStatus {
  if (report.draining === true) return 'draining';
  const interval = report.intervalMs ?? 1_000;
  const age = now - (report.receivedAt ?? report.sentAt);
  if (age > 3 * interval) return 'down';
  if (age > 1.5 * interval || breaker !== 'closed') return 'suspect';
  return 'healthy';
}

/** One shard's entry from its report: calls per second over the report's interval. */
export function shardEntry(report: LoadReport, breaker: BreakerState, now: number): ShardEntry {
  let calls = 0;
  const versions: string[] = [];
  for (const [name, f] of Object.entries(report.functions)) {
    calls += f.calls ?? 0;
    for (const v of f.versions) versions.push(`${name}@${v}`);
  }
  return {
    id: report.shardId,
    tags: report.tags,
    status: shardStatus(report, breaker, now),
    cpu: report.cpu,
    memoryMb: report.memoryMb,
    eventLoopLagMs: report.eventLoopLagMs,
    inFlight: report.inFlight,
    callsPerSec: Math.round((calls / ((report.intervalMs ?? 1_000) / 1_000)) * 1_000) / 1_000,
    versions: versions.sort(),
    breaker,
  };
}

export class ClusterView {
  private readonly load: ProcessLoad | undefined;
  private sample: ProcessLoadSample | undefined;
  private sampledAt = Number.NEGATIVE_INFINITY;
  /** Reports of shards since gone from the client's table, kept a while so they show as down instead of vanishing. */
  private readonly gone = new Map<string, LoadReport>();
  /** The table as the previous snapshot saw it. */
  private last = new Map<string, LoadReport>();
  private readonly clock: () => number;

  constructor(private readonly sources: ClusterViewSources) {
    this.clock = sources.clock ?? Date.now;
    // Only an embedded process reports its own load: a gateway's shards report theirs.
    this.load = sources.self?.role === 'shard' ? new ProcessLoad() : undefined;
  }

  snapshot(): ClusterAnswer {
    const now = this.clock();
    const { self, cluster, calls } = this.sources;
    const shards: ShardEntry[] = [];
    if (self?.role === 'shard') shards.push(this.selfEntry(self, now));
    if (cluster !== undefined) {
      const breakers = new Map(cluster.breakerStates().map((b) => [b.shard, b.state]));
      const reports = cluster.directory.reports;
      for (const report of reports.values()) {
        this.gone.delete(report.shardId);
        shards.push(shardEntry(report, breakers.get(report.shardId) ?? 'closed', now));
      }
      this.remember(reports, now);
      for (const report of this.gone.values()) shards.push({ ...shardEntry(report, breakers.get(report.shardId) ?? 'closed', now), status: 'down', inFlight: 0, callsPerSec: 0 });
    }
    shards.sort((a, b) => a.id.localeCompare(b.id));
    const gateway =
      self?.role === 'gateway' ? { id: self.id, callsPerSec: calls?.callsPerSec(now) ?? 0, inFlight: calls?.inFlight ?? 0 } : null;
    return { gateway, shards };
  }

  close(): void {
    this.load?.stop();
  }

  /** A shard missing from the table is gone (listed as down), and forgotten `forgetAfterMs` after its last report. */
  private remember(reports: ReadonlyMap<string, LoadReport>, now: number): void {
    for (const [id, report] of this.last) if (!reports.has(id)) this.gone.set(id, report);
    this.last = new Map(reports);
    const limit = this.sources.forgetAfterMs ?? 300_000;
    for (const [id, report] of this.gone) if (now - (report.receivedAt ?? report.sentAt) > limit) this.gone.delete(id);
  }

  private selfEntry(self: ConsoleSelf, now: number): ShardEntry {
    // Sampled at most once a second: each sample restarts the lag histogram, and several streams read it.
    if (this.load !== undefined && now - this.sampledAt >= 1_000) {
      this.sample = this.load.sample();
      this.sampledAt = now;
    }
    const s = this.sample ?? { cpu: 0, memoryMb: 0, eventLoopLagMs: 0 };
    const versions = (this.sources.functions?.() ?? []).flatMap((f) => f.versions.map((v) => `${f.name}@${v}`)).sort();
    return {
      id: self.id,
      tags: self.tags ?? [],
      status: 'healthy',
      cpu: Math.round(s.cpu * 1_000) / 1_000,
      memoryMb: s.memoryMb,
      eventLoopLagMs: s.eventLoopLagMs,
      inFlight: this.sources.calls?.inFlight ?? 0,
      callsPerSec: this.sources.calls?.callsPerSec(now) ?? 0,
      versions,
      breaker: 'closed',
    };
  }
}
