// The retry policy as a zod schema, for the policies that enter the runtime as configuration: the scheduler's default and a saga's step and compensation policies.
import { maxRunAttempts, toFieldIssues, ValidationError, type RetryPolicy } from '@lucent/core';
import { z } from 'zod';

// Core keeps its own pure check (retryPolicyIssues): it checks a cron job's policy inside
// checkTimerRequest, and core takes no runtime dependency. This schema states the same rule with
// the same messages; retryPolicySchema.unit.spec.ts holds the two to one table of inputs.
const attemptsMessage = `must be a whole number from 1 (no retry) to ${maxRunAttempts}`;
const msMessage = 'must be a whole number of ms ≥ 0';
const wholeMs = z.int({ error: msMessage }).min(0, { error: msMessage });

export const RetryPolicySchema = z
  .object(
    {
      maxAttempts: z.int({ error: attemptsMessage }).min(1, { error: attemptsMessage }).max(maxRunAttempts, { error: attemptsMessage }),
      baseDelayMs: wholeMs,
      maxDelayMs: wholeMs,
    },
    { error: 'must be an object { maxAttempts, baseDelayMs, maxDelayMs }' },
  )
  .refine((p) => p.maxDelayMs >= p.baseDelayMs, {
    path: ['maxDelayMs'],
    error: 'must be ≥ baseDelayMs',
    // Compared whenever both delays are whole ms, even if maxAttempts is wrong, so every issue shows at once.
    when: (payload) => {
      const v = payload.value as { baseDelayMs?: unknown; maxDelayMs?: unknown } | null;
      return wholeMs.safeParse(v?.baseDelayMs).success && wholeMs.safeParse(v?.maxDelayMs).success;
    },
  });

/** The issues of `value` as a retry policy at `path` (empty when it is fine), shaped as core's retryPolicyIssues. */
export function retryPolicySchemaIssues(value: unknown, path = 'retry'): { path: string; message: string }[] {
  const result = RetryPolicySchema.safeParse(value);
  if (result.success) return [];
  return toFieldIssues(result.error.issues).map((i) => ({ path: i.path === '' ? path : `${path}.${i.path}`, message: i.message }));
}

/** Check a configured policy; a ValidationError (where 'config') names `subject` and each bad field under `path`. */
export function checkRetryPolicy(value: unknown, path: string, subject: string): RetryPolicy {
  const issues = retryPolicySchemaIssues(value, path);
  if (issues.length > 0) throw new ValidationError('config', subject, issues);
  return value as RetryPolicy;
}
