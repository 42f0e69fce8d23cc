// The rate limits document (per user and per function, by function name) and its checks: plain values, no I/O.
import { ValidationError, type FieldIssue } from '@lucent/core';

/** `points` calls in every window of `perSeconds` seconds. */
export interface RateLimit {
  readonly points: number;
  readonly perSeconds: number;
}

/** Keys are function names; `*` applies to every function without an entry of its own. */
export interface RateLimitsDocument {
  /** Each user's calls of a function (anonymous callers share one budget). */
  readonly perUser?: Readonly<Record<string, RateLimit>>;
  /** All callers' calls of a function together. */
  readonly perFunction?: Readonly<Record<string, RateLimit>>;
}

function checkTable(table: unknown, path: string, issues: FieldIssue[]): void {
  if (table === undefined) return;
  if (typeof table !== 'object' || table === null || Array.isArray(table)) {
    issues.push({ path, message: 'must be an object of limits by function name' });
    return;
  }
  for (const [name, limit] of Object.entries(table)) {
    const { points, perSeconds } = (limit ?? {}) as Partial<RateLimit>;
    if (typeof points !== 'number' || !Number.isInteger(points) || points < 1) {
      issues.push({ path: `${path}.${name}.points`, message: 'must be an integer of at least 1' });
    }
    if (typeof perSeconds !== 'number' || !Number.isInteger(perSeconds) || perSeconds < 1) {
      issues.push({ path: `${path}.${name}.perSeconds`, message: 'must be an integer number of seconds, at least 1' });
    }
  }
}

/** The document when it is well formed; ValidationError (where `config`) naming each bad field otherwise. */
export function parseRateLimits(value: unknown): RateLimitsDocument {
  const issues: FieldIssue[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issues.push({ path: '(root)', message: 'must be an object with perUser and/or perFunction' });
  } else {
    const { perUser, perFunction, ...rest } = value as Record<string, unknown>;
    checkTable(perUser, 'perUser', issues);
    checkTable(perFunction, 'perFunction', issues);
    for (const key of Object.keys(rest)) issues.push({ path: key, message: 'is not a rate limits field (perUser, perFunction)' });
  }
  if (issues.length > 0) throw new ValidationError('config', 'rate limits', issues);
  return value as RateLimitsDocument;
}

/**
 * Limits written in one line, as env variables hold them: `*=20/1,openPosition=5/1` (points per
 * seconds, by function name). An empty or missing spec is no limits.
 */
export function parseRateLimitSpec(spec: string | undefined, variable = 'rate limit spec'): Record<string, RateLimit> {
  const out: Record<string, RateLimit> = {};
  const issues: FieldIssue[] = [];
  for (const part of (spec ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const match = /^([^=\s]+)=(\d+)\/(\d+)$/.exec(part);
    if (match === null || Number(match[2]) < 1 || Number(match[3]) < 1) {
      issues.push({ path: part, message: 'write name=points/seconds, e.g. *=20/1' });
      continue;
    }
    out[match[1]!] = { points: Number(match[2]), perSeconds: Number(match[3]) };
  }
  if (issues.length > 0) throw new ValidationError('config', variable, issues);
  return out;
}

/** The limit of `name` in a table: its own entry, else `*`. */
export function limitFor(table: Readonly<Record<string, RateLimit>> | undefined, name: string): RateLimit | undefined {
  return table?.[name] ?? table?.['*'];
}
