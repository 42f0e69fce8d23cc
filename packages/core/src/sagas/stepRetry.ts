// Whether a failed step or compensation is tried again, and when: transient codes only, the backoff timers use (never under half the base delay), within the deadline.
import type { RetryPolicy } from '../retry/retryPolicy.js';
import type { ErrorCode, SerializedError } from '../errors/errors.js';
import { nextRetryAt } from '../scheduling/runRetry.js';

export const defaultStepRetry: RetryPolicy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 5_000 };
export const defaultCompensationRetry: RetryPolicy = { maxAttempts: 20, baseDelayMs: 200, maxDelayMs: 30_000 };

/**
 * Codes worth another try: the outcome may differ next time. A refusal by the rules, a bad
 * input or an unknown handler will be refused again, so the saga hears of it at once.
 */
export const transientCodes: readonly ErrorCode[] = ['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'VERSION_CONFLICT', 'FUNCTION_FAILED'];

export type RetryDecision = { readonly retryAt: number } | { readonly giveUp: SerializedError };

/**
 * After try `attempt` failed with `error` at `now`: retry at a time, or give up. `random` in
 * [0, 1) comes from the shell; as for a timer's retry, the wait is at least half the base delay
 * (full jitter alone can draw ~0 and hit a failing downstream again at once). A retry that
 * would start after `deadline` is not made.
 */
export function decideRetry(
  policy: RetryPolicy,
  attempt: number,
  error: SerializedError,
  now: number,
  random: number,
  deadline = Number.POSITIVE_INFINITY,
): RetryDecision {
  if (!transientCodes.includes(error.code)) return { giveUp: error };
  const retryAt = nextRetryAt(policy, attempt, now, random);
  if (retryAt === undefined) {
    return { giveUp: { ...error, message: `${error.message} (gave up after ${attempt} attempts)` } };
  }
  if (retryAt >= deadline) {
    return {
      giveUp: { code: 'DEADLINE_EXCEEDED', message: `step deadline passed after ${attempt} attempts: ${error.message}` },
    };
  }
  return { retryAt };
}
