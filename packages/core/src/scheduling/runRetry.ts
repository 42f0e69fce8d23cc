// When a failed timer run is tried again (capped exponential backoff), and the check of a retry policy a cron job states.
import { retryDelay, type RetryPolicy } from '../retry/retryPolicy.js';
import type { FieldIssue } from '../errors/errors.js';

/** How a failed cron run is tried again unless its job states otherwise: 3 tries in all, 1 s, 2 s… capped at 60 s. */
export const defaultCronRetryPolicy: RetryPolicy = { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 60_000 };

/** Most tries a policy may state: a run retried more often is a schedule of its own, not a retry. */
export const maxRunAttempts = 100;

/**
 * When to try a failed run again after `tries` tries have failed (the first run counts as 1),
 * or undefined when the policy allows no further try. Full jitter (`random` in [0, 1)) can
 * draw ~0; at least half the base delay keeps a failing downstream from being hit again at once.
 */
export function nextRetryAt(policy: RetryPolicy, tries: number, now: number, random: number): number | undefined {
  const delay = retryDelay(policy, tries, random);
  return delay === undefined ? undefined : now + Math.max(delay, Math.ceil(policy.baseDelayMs / 2));
}

const wholeMs = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Issues that make `value` unfit as a retry policy; empty when it is fine. */
export function retryPolicyIssues(value: unknown, path = 'retry'): FieldIssue[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ path, message: 'must be an object { maxAttempts, baseDelayMs, maxDelayMs }' }];
  }
  const p = value as Partial<Record<keyof RetryPolicy, unknown>>;
  const issues: FieldIssue[] = [];
  if (!Number.isInteger(p.maxAttempts) || (p.maxAttempts as number) < 1 || (p.maxAttempts as number) > maxRunAttempts) {
    issues.push({ path: `${path}.maxAttempts`, message: `must be a whole number from 1 (no retry) to ${maxRunAttempts}` });
  }
  if (!wholeMs(p.baseDelayMs)) issues.push({ path: `${path}.baseDelayMs`, message: 'must be a whole number of ms ≥ 0' });
  if (!wholeMs(p.maxDelayMs)) issues.push({ path: `${path}.maxDelayMs`, message: 'must be a whole number of ms ≥ 0' });
  else if (wholeMs(p.baseDelayMs) && p.maxDelayMs < p.baseDelayMs) {
    issues.push({ path: `${path}.maxDelayMs`, message: 'must be ≥ baseDelayMs' });
  }
  return issues;
}
