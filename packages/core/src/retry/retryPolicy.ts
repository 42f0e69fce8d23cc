// A retry policy and its backoff (exponential, capped, fully jittered), shared by decisions, saga steps and timers.

export interface RetryPolicy {
  /** Tries in all, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** For a decision that lost a version race: short waits, since the winner has already written. */
export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 8, baseDelayMs: 2, maxDelayMs: 200 };

/**
 * Delay before try `attempt + 1` after `attempt` failed (attempt counts from 1), or undefined
 * when no try is left. `random` in [0, 1) comes from the shell; full jitter spreads writers
 * that collided so they do not collide again in step.
 */
export function retryDelay(policy: RetryPolicy, attempt: number, random: number): number | undefined {
  if (attempt >= policy.maxAttempts) return undefined;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random * ceiling);
}
