// The kinds of durable timer and the checks a timer request must pass before anything is stored.
import type { FieldIssue } from '../errors/errors.js';
import { misfirePolicies } from './misfirePolicy.js';
import { retryPolicyIssues } from './runRetry.js';
import { ScheduleInvalidError } from './scheduleErrors.js';

/**
 * What armed a timer, which decides what happens when it is due:
 * - `once`: a one-off delay or absolute time; fires its handler once;
 * - `cron`: a recurring job; fires, then re-arms at its next occurrence (misfire policy applies);
 * - `external`: a wait for an outside event by key; fires `matched` on arrival or `timeout` at its deadline;
 * - `condition`: a predicate over a projection; fires `matched` when it holds or `timeout` at its deadline.
 */
export type TimerKind = 'once' | 'cron' | 'external' | 'condition';

export const timerKinds: readonly TimerKind[] = ['once', 'cron', 'external', 'condition'];

/** A JSON value: what a payload must be so that every store keeps it unchanged. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export function isTimerKind(value: unknown): value is TimerKind {
  return typeof value === 'string' && (timerKinds as readonly string[]).includes(value);
}

const maxIdLength = 512;

function jsonIssues(value: unknown, path: string, depth: number, out: FieldIssue[]): void {
  if (out.length > 0) return;
  if (depth > 64) {
    out.push({ path, message: 'is nested too deeply (more than 64 levels)' });
    return;
  }
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) out.push({ path, message: 'must be a finite number (JSON has no NaN or Infinity)' });
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => jsonIssues(v, path === '' ? String(i) : `${path}.${i}`, depth + 1, out));
    return;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      out.push({ path, message: 'must be a plain JSON object (no class instances, dates or maps)' });
      return;
    }
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue;
      jsonIssues(v, path === '' ? k : `${path}.${k}`, depth + 1, out);
    }
    return;
  }
  out.push({ path, message: `must be JSON (got ${typeof value})` });
}

/** Issues that make a value unfit to store as JSON; empty when it is fine. */
export function jsonValueIssues(value: unknown, path = 'payload'): FieldIssue[] {
  const out: FieldIssue[] = [];
  if (value === undefined) return [{ path, message: 'is required (use null for no payload)' }];
  jsonIssues(value, path, 0, out);
  return out;
}

export interface TimerRequestShape {
  readonly id: unknown;
  readonly kind: unknown;
  readonly handler: unknown;
  readonly dueAt: unknown;
  readonly payload: unknown;
  readonly owner?: unknown;
  readonly waitKey?: unknown;
  readonly misfire?: unknown;
  /** `cron`: how a failed run is tried again (absent: the default policy). */
  readonly retryPolicy?: unknown;
}

/**
 * Check a timer request (before the shell stores it). Throws ScheduleInvalidError naming
 * the first bad field: an unknown kind, an empty id, a non-finite due time, a payload
 * that is not JSON, a wait without its key, a retry policy out of bounds.
 */
export function checkTimerRequest(t: TimerRequestShape): void {
  const issues: FieldIssue[] = [];
  if (!isTimerKind(t.kind)) {
    throw new ScheduleInvalidError('kind', `Unknown trigger kind ${JSON.stringify(t.kind)}; expected one of ${timerKinds.join(', ')}`, {
      kind: typeof t.kind === 'string' ? t.kind : String(t.kind),
    });
  }
  if (typeof t.id !== 'string' || t.id.length === 0 || t.id.length > maxIdLength) {
    issues.push({ path: 'id', message: `must be a non-empty string of at most ${maxIdLength} characters` });
  }
  if (typeof t.handler !== 'string' || t.handler.length === 0) issues.push({ path: 'handler', message: 'must name a registered handler' });
  if (typeof t.dueAt !== 'number' || !Number.isFinite(t.dueAt)) issues.push({ path: 'dueAt', message: 'must be a finite epoch-ms number' });
  if (t.owner !== undefined && (typeof t.owner !== 'string' || t.owner.length === 0)) issues.push({ path: 'owner', message: 'must be a non-empty string' });
  if ((t.kind === 'external' || t.kind === 'condition') && (typeof t.waitKey !== 'string' || t.waitKey.length === 0)) {
    issues.push({ path: 'waitKey', message: `is required for a ${t.kind} timer` });
  }
  if (t.kind === 'cron' && !(misfirePolicies as readonly unknown[]).includes(t.misfire)) {
    issues.push({ path: 'misfire', message: `must be one of ${misfirePolicies.join(', ')}` });
  }
  if (t.retryPolicy !== undefined) issues.push(...retryPolicyIssues(t.retryPolicy));
  issues.push(...jsonValueIssues(t.payload));
  const first = issues[0];
  if (first !== undefined) throw new ScheduleInvalidError(first.path, `Invalid timer: ${first.path} ${first.message}`, { issues });
}
