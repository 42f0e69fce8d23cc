// The JSON shapes of /console/api/* and the admin API, as the console reads them.

export interface Session {
  auth: 'on' | 'off';
  subject: string | null;
  roles: string[];
  admin: boolean;
}

export interface StoreStatus {
  name: string;
  status: 'up' | 'down' | 'absent';
  detail?: string;
}

export interface Overview {
  service: { name: string; version: string; startedAt: string; uptimeSec: number; mode: string };
  stores: StoreStatus[];
}

export interface Shard {
  id: string;
  tags: string[];
  status: 'healthy' | 'draining' | 'suspect' | 'down';
  cpu: number;
  memoryMb: number;
  eventLoopLagMs: number;
  inFlight: number;
  callsPerSec: number;
  versions: string[];
  breaker: 'closed' | 'open' | 'half-open';
}

export interface Cluster {
  gateway: { id: string; callsPerSec: number; inFlight: number } | null;
  shards: Shard[];
}

export interface VersionStats {
  version: string;
  weight: number;
  active: boolean;
  callsPerSec: number;
  errorRate: number;
  p99Ms: number | null;
}

export interface JurisdictionRules {
  allow?: string[];
  deny?: string[];
}

export interface FunctionInfo {
  name: string;
  versions: VersionStats[];
  shadow: { version: string; percent: number } | null;
  disabled: boolean;
  jurisdictions: JurisdictionRules | null;
  placement: Record<string, unknown> | null;
  revision?: number | null;
}

export interface CallRecord {
  at: string;
  function: string;
  /** Null when no version could be named (a call refused before selection). */
  version: string | null;
  shard: string | null;
  outcome: 'ok' | 'error';
  code: string | null;
  message: string | null;
  correlationId: string;
  traceId: string | null;
  user: string | null;
  durationMs: number;
}

/** A function version a bundle brought, or a bundle a node refused and why. */
export interface Bundle {
  name: string;
  version: string | null;
  status: string;
  reason: string | null;
  bundle?: string;
  node?: string;
}

/** The registry's stored rules (GET /admin/registry/:name), the parts the console reads. */
export interface RulesEntry {
  name: string;
  revision: number;
  rules: {
    active: string;
    weights: Record<string, number>;
    shadow?: string;
    enabled: boolean;
    versions: Record<string, { version: string; fingerprint: { input: string; output: string } }>;
    jurisdictions?: JurisdictionRules;
  };
}

export interface RulesChange {
  revision: number;
  who: string;
  why: string;
  forced: boolean;
  at: number;
  old: Record<string, unknown> | null;
  new: Record<string, unknown>;
}

export interface ShadowPair {
  live: string;
  shadow: string;
  agreed: number;
  diverged: number;
  failed: number;
  skipped: number;
  sampledOut: number;
  agreementRate: number | null;
  examples: { at: number; correlationId?: string; input: unknown; liveOutput: unknown; shadowOutput: unknown }[];
}

export interface SagaSummary {
  id: string;
  type: string;
  state: string;
  startedAt: string;
  updatedAt: string;
  step: string | null;
  failure?: string | null;
  runner?: string;
}

export type TimelineKind = 'started' | 'step' | 'wait' | 'retry' | 'compensation' | 'completed' | 'failed' | 'compensated';

export interface TimelineEntry {
  at: string;
  kind: TimelineKind;
  name: string;
  durationMs: number | null;
  /** A note or an object (command, timer, error…). */
  detail: unknown;
}

export interface SagaDetail extends SagaSummary {
  failure?: string | null;
  timeline: TimelineEntry[];
}

export interface Schedules {
  crons: {
    name: string;
    expression: string;
    timezone?: string;
    misfire?: string | null;
    state?: string;
    nextAt: string | null;
    last: { at: string; scheduledFor?: string; outcome: string; error: string | null }[];
  }[];
  timers: { id: string; name: string; dueAt: string; attempts: number; retryOf?: { timerId: string; scheduledFor: string } | null }[];
  waits: { id: string; event: string; kind?: string; deadlineAt: string | null; fallback: string | null; matched?: boolean }[];
}

export interface StoredEvent {
  position: number | string;
  streamId: string;
  version: number;
  type: string;
  data: unknown;
  metadata: unknown;
  at: string;
}

export interface Projection {
  name: string;
  checkpoint: number | string;
  head: number | string;
  lag: number;
}

export interface ReplayResult {
  decisions: number;
  events?: number;
  diverged: {
    position: number | string;
    toPosition?: number;
    /** Where the events first differ, null when the candidate failed instead. */
    path?: string | null;
    expected: unknown;
    actual: unknown;
    error?: { code: string; message: string } | null;
  }[];
}
