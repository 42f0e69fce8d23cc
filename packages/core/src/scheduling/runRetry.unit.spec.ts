// When a failed run is tried again: capped backoff, a floor of half the base delay, no try past the policy; and which policies are refused.
import { describe, expect, it } from 'vitest';
import { defaultCronRetryPolicy, nextRetryAt, retryPolicyIssues } from './runRetry.js';

describe('nextRetryAt', () => {
  const policy = { maxAttempts: 4, baseDelayMs: 1_000, maxDelayMs: 3_000 };

  it('backs off exponentially up to the cap, and allows no try past maxAttempts', () => {
    const almostOne = 0.999_999;
    expect([1, 2, 3, 4].map((tries) => nextRetryAt(policy, tries, 10_000, almostOne))).toEqual([10_999, 11_999, 12_999, undefined]);
  });

  it('waits at least half the base delay when the jitter draws ~0', () => {
    expect(nextRetryAt(policy, 1, 10_000, 0)).toBe(10_500);
    expect(nextRetryAt({ maxAttempts: 2, baseDelayMs: 1_001, maxDelayMs: 2_000 }, 1, 0, 0)).toBe(501);
  });

  it('retries nothing when a job allows one try, and the default allows three', () => {
    expect(nextRetryAt({ maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 }, 1, 0, 0.5)).toBeUndefined();
    expect(nextRetryAt(defaultCronRetryPolicy, 2, 0, 0.5)).toBeDefined();
    expect(nextRetryAt(defaultCronRetryPolicy, 3, 0, 0.5)).toBeUndefined();
  });
});

describe('retryPolicyIssues', () => {
  it('accepts a whole, bounded policy and names each bad field otherwise', () => {
    expect(retryPolicyIssues(defaultCronRetryPolicy)).toEqual([]);
    expect(retryPolicyIssues({ maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 })).toEqual([]);
    expect(retryPolicyIssues('3 times').map((i) => i.path)).toEqual(['retry']);
    expect(retryPolicyIssues({ maxAttempts: 0, baseDelayMs: -1, maxDelayMs: 1.5 }).map((i) => i.path)).toEqual([
      'retry.maxAttempts',
      'retry.baseDelayMs',
      'retry.maxDelayMs',
    ]);
    expect(retryPolicyIssues({ maxAttempts: 101, baseDelayMs: 2_000, maxDelayMs: 1_000 }).map((i) => i.path)).toEqual(['retry.maxAttempts', 'retry.maxDelayMs']);
  });
});
