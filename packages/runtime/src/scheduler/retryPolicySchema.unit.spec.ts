// A retry policy given as configuration is checked when it is given (scheduler options, a saga's step policies), not when a run first fails.
import { describe, expect, it } from 'vitest';
import { defineSaga, retryPolicyIssues, ValidationError } from '@lucent/core';
import { MemoryEventStore } from '../eventStore/memoryEventStore.js';
import { SagaRunner } from '../sagas/sagaRunner.js';
import { SagaScheduling } from '../sagas/sagaScheduling.js';
import { MemoryTimerStore } from './memoryTimerStore.js';
import { checkRetryPolicy, retryPolicySchemaIssues } from './retryPolicySchema.js';
import { Scheduler } from './scheduler.js';

const good = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 };

function validationOf(build: () => unknown): ValidationError {
  try {
    build();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('RetryPolicySchema', () => {
  it("says what core's check says, field for field, so a cron job's policy and a configured one obey one rule", () => {
    const inputs: unknown[] = [
      good,
      { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
      { maxAttempts: 100, baseDelayMs: 5, maxDelayMs: 5 },
      { maxAttempts: 0, baseDelayMs: 100, maxDelayMs: 1_000 },
      { maxAttempts: 101, baseDelayMs: 100, maxDelayMs: 1_000 },
      { maxAttempts: 2.5, baseDelayMs: 1.5, maxDelayMs: -1 },
      { maxAttempts: '3', baseDelayMs: 100, maxDelayMs: 10 },
      { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 10 },
      { maxAttempts: 3 },
      {},
      null,
      [],
      'fast',
    ];
    for (const input of inputs) expect(retryPolicySchemaIssues(input), JSON.stringify(input)).toEqual(retryPolicyIssues(input));
  });

  it('returns a good policy as given and names every bad field under the path it was given at', () => {
    expect(checkRetryPolicy(good, 'retry', 'scheduler options')).toEqual(good);
    const error = validationOf(() => checkRetryPolicy({ maxAttempts: 0, baseDelayMs: 100, maxDelayMs: 10 }, 'steps.retry', 'saga trip'));
    expect(error.message).toContain('saga trip');
    expect(error.issues).toEqual([
      { path: 'steps.retry.maxAttempts', message: 'must be a whole number from 1 (no retry) to 100' },
      { path: 'steps.retry.maxDelayMs', message: 'must be ≥ baseDelayMs' },
    ]);
  });
});

describe('where policies are configured', () => {
  it('a Scheduler refuses a bad default retry at construction, naming the field', () => {
    const error = validationOf(() => new Scheduler({ store: new MemoryTimerStore(), retry: { maxAttempts: 5, baseDelayMs: -1, maxDelayMs: 100 } }));
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', where: 'config' });
    expect(error.issues.map((i) => i.path)).toEqual(['retry.baseDelayMs']);
    expect(() => new Scheduler({ store: new MemoryTimerStore(), retry: good })).not.toThrow();
  });

  it('a SagaRunner refuses a saga whose step or compensation policy is bad when it is registered', () => {
    const runner = new SagaRunner({
      store: new MemoryEventStore(),
      commands: () => Promise.resolve(null),
      scheduling: new SagaScheduling(new Scheduler({ store: new MemoryTimerStore() }), 'saga'),
    });
    const saga = (policies: object) => defineSaga({ type: 'trip', initialState: () => ({}), react: (state) => ({ state }), ...policies });
    const error = validationOf(() => runner.register(saga({ stepPolicies: { BookFlight: { retry: { maxAttempts: 1_000, baseDelayMs: 1, maxDelayMs: 1 } } } })));
    expect(error.issues.map((i) => i.path)).toEqual(['stepPolicies.BookFlight.retry.maxAttempts']);
    expect(validationOf(() => runner.register(saga({ compensation: { retry: { maxAttempts: 3 } } }))).issues.map((i) => i.path)).toEqual([
      'compensation.retry.baseDelayMs',
      'compensation.retry.maxDelayMs',
    ]);
    expect(() => runner.register(saga({ steps: { retry: good }, compensation: { retry: good } }))).not.toThrow();
  });
});
