// The chaos document (faults by function, shard and dependency), its checks, and which fault a call meets for a given draw: plain values, no I/O.
import { ValidationError, type FieldIssue } from '@lucent/core';

/**
 * What a target suffers. `latencyMs` is added to every call; the rates (0-1, together at most 1)
 * share one draw per call, so at most one of error, timeout and drop happens to it.
 */
export interface ChaosFault {
  /** Added before every call, ms. */
  readonly latencyMs?: number;
  /** Share of calls failed at once with an injected error (FUNCTION_FAILED, `details.chaos`), never run. */
  readonly errorRate?: number;
  /** Share of calls held until their deadline (or `hangMs`) and then failed DEADLINE_EXCEEDED, never run. */
  readonly timeoutRate?: number;
  /** Share of calls that run but whose reply is never sent: the caller hears nothing. */
  readonly dropRate?: number;
  /** Every call fails at once as if the target were gone (a dependency: UNAVAILABLE; a function or shard: no reply). */
  readonly unreachable?: boolean;
  /** The longest a timed-out call is held when it has no deadline of its own, ms (default 10,000). */
  readonly hangMs?: number;
}

/** Keys of `functions` and `shards` are names or ids; `*` applies to every one without an entry of its own. */
export interface ChaosDocument {
  /** Calls of a function, on whichever shard runs it. */
  readonly functions?: Readonly<Record<string, ChaosFault>>;
  /** Every call a shard serves. */
  readonly shards?: Readonly<Record<string, ChaosFault>>;
  /** Calls to a dependency through its resilience policy (`postgres`, `redis`, `exchange-feed`…), each attempt on its own. */
  readonly dependencies?: Readonly<Record<string, ChaosFault>>;
}

export type ChaosScope = 'function' | 'shard' | 'dependency';
export type ChaosFaultKind = 'latency' | 'error' | 'timeout' | 'drop' | 'unreachable';

/** The outcome a call draws from a fault: what happens to it besides its latency. */
export type ChaosOutcome = 'error' | 'timeout' | 'drop' | 'unreachable' | undefined;

const tables = ['functions', 'shards', 'dependencies'] as const;
const faultKeys = new Set(['latencyMs', 'errorRate', 'timeoutRate', 'dropRate', 'unreachable', 'hangMs']);

const isRate = (v: unknown): boolean => typeof v === 'number' && v >= 0 && v <= 1;
const isMs = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0;

function checkFault(fault: unknown, path: string, issues: FieldIssue[]): void {
  if (typeof fault !== 'object' || fault === null || Array.isArray(fault)) {
    issues.push({ path, message: 'must be an object of faults (latencyMs, errorRate, timeoutRate, dropRate, unreachable)' });
    return;
  }
  const f = fault as Record<string, unknown>;
  for (const key of Object.keys(f)) if (!faultKeys.has(key)) issues.push({ path: `${path}.${key}`, message: 'is not a fault (latencyMs, errorRate, timeoutRate, dropRate, unreachable, hangMs)' });
  for (const key of ['latencyMs', 'hangMs']) if (f[key] !== undefined && !isMs(f[key])) issues.push({ path: `${path}.${key}`, message: 'must be a number of ms, 0 or more' });
  for (const key of ['errorRate', 'timeoutRate', 'dropRate']) if (f[key] !== undefined && !isRate(f[key])) issues.push({ path: `${path}.${key}`, message: 'must be a share between 0 and 1' });
  if (f['unreachable'] !== undefined && typeof f['unreachable'] !== 'boolean') issues.push({ path: `${path}.unreachable`, message: 'must be true or false' });
  const sum = ['errorRate', 'timeoutRate', 'dropRate'].reduce((s, k) => s + (isRate(f[k]) ? (f[k] as number) : 0), 0);
  if (sum > 1 + 1e-9) issues.push({ path, message: `errorRate + timeoutRate + dropRate is ${sum}; they share one draw and may add up to 1 at most` });
}

/** The document when it is well formed; ValidationError (where `config`) naming each bad field otherwise. */
export function parseChaosDocument(value: unknown): ChaosDocument {
  const issues: FieldIssue[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issues.push({ path: '(root)', message: 'must be an object with functions, shards and/or dependencies' });
  } else {
    const doc = value as Record<string, unknown>;
    for (const key of Object.keys(doc)) {
      if (!(tables as readonly string[]).includes(key)) issues.push({ path: key, message: 'is not a chaos field (functions, shards, dependencies)' });
    }
    for (const table of tables) {
      const t = doc[table];
      if (t === undefined) continue;
      if (typeof t !== 'object' || t === null || Array.isArray(t)) {
        issues.push({ path: table, message: 'must be an object of faults by name' });
        continue;
      }
      for (const [name, fault] of Object.entries(t)) checkFault(fault, `${table}.${name}`, issues);
    }
  }
  if (issues.length > 0) throw new ValidationError('config', 'chaos document', issues);
  return value as ChaosDocument;
}

/** Whether a document injects anything at all (an empty one is chaos off). */
export function chaosIsEmpty(document: ChaosDocument): boolean {
  return tables.every((t) => Object.keys(document[t] ?? {}).length === 0);
}

const tableOf: Record<ChaosScope, (typeof tables)[number]> = { function: 'functions', shard: 'shards', dependency: 'dependencies' };

/** The fault of `name` in its scope's table: its own entry, else `*`. */
export function chaosFaultFor(document: ChaosDocument, scope: ChaosScope, name: string): ChaosFault | undefined {
  const table = document[tableOf[scope]];
  return table?.[name] ?? table?.['*'];
}

/** What a call meets for a uniform draw `u` in [0, 1): unreachable always, else error, timeout, drop by their shares of the line. */
export function chaosOutcome(fault: ChaosFault, u: number): ChaosOutcome {
  if (fault.unreachable === true) return 'unreachable';
  let edge = fault.errorRate ?? 0;
  if (u < edge) return 'error';
  edge += fault.timeoutRate ?? 0;
  if (u < edge) return 'timeout';
  edge += fault.dropRate ?? 0;
  if (u < edge) return 'drop';
  return undefined;
}

/** Whether a fault needs a draw at all (a pure latency or unreachable fault does not). */
export function chaosNeedsDraw(fault: ChaosFault): boolean {
  return fault.unreachable !== true && ((fault.errorRate ?? 0) > 0 || (fault.timeoutRate ?? 0) > 0 || (fault.dropRate ?? 0) > 0);
}

/** The document with one target's fault set (merged over the entry it had) or, `fault` undefined, removed. */
export function withChaosFault(document: ChaosDocument, scope: ChaosScope, name: string, fault: ChaosFault | undefined): ChaosDocument {
  const key = tableOf[scope];
  const { [name]: previous, ...others } = document[key] ?? {};
  const table = fault === undefined ? others : { ...others, [name]: { ...previous, ...fault } };
  const { [key]: _dropped, ...rest } = document;
  return Object.keys(table).length === 0 ? rest : { ...rest, [key]: table };
}
