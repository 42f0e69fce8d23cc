// The shared backoff: doubles from the base up to the cap, fully jittered, and stops after maxAttempts tries.
import { describe, expect, it } from 'vitest';
import { retryDelay } from './retryPolicy.js';

describe('retryDelay', () => {
  const policy = { maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 50 };

  it('doubles the ceiling each try up to maxDelayMs, and gives no delay once the tries are spent', () => {
    const almostOne = 0.999_999;
    expect([1, 2, 3, 4, 5].map((attempt) => retryDelay(policy, attempt, almostOne))).toEqual([9, 19, 39, 49, undefined]);
  });

  it('draws anywhere from 0 up to the ceiling, so writers that collided spread apart', () => {
    expect(retryDelay(policy, 3, 0)).toBe(0);
    expect(retryDelay(policy, 3, 0.5)).toBe(20);
  });
});
