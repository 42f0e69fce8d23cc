// An async call settles its caller's promise once: the first of its result, its failure or its deadline wins.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFunction, LucentError, type InvocationResult } from '@lucent/core';
import { AsyncCall } from './asyncCall.js';

const fn = defineFunction({ name: 'quote.slow', version: '1.0.0', input: z.object({}), output: z.object({}) }, async () => ({}));

function started(deadline: number | undefined, expiresAt: number): { call: AsyncCall; outcome: Promise<unknown> } {
  let call!: AsyncCall;
  const outcome = new Promise<InvocationResult<unknown>>((resolve, reject) => {
    call = new AsyncCall(fn, deadline, expiresAt, 1_000, resolve, reject);
  }).then(
    (result) => result,
    (error: unknown) => error,
  );
  return { call, outcome };
}

describe('AsyncCall', () => {
  it('expires with DEADLINE_EXCEEDED naming the function and the caller’s deadline', async () => {
    const { call, outcome } = started(5_000, 9_999);
    call.expire();
    const error = (await outcome) as LucentError;
    expect(error.code).toBe('DEADLINE_EXCEEDED');
    expect(error.message).toContain('quote.slow');
    expect(call.settled).toBe(true);
  });

  it('names the budget’s end when the caller gave no deadline', async () => {
    const onBudget = started(undefined, 1_234);
    const fromDeadline = started(1_234, 99_999);
    onBudget.call.expire();
    fromDeadline.call.expire();
    expect(((await onBudget.outcome) as LucentError).message).toBe(((await fromDeadline.outcome) as LucentError).message);
  });

  it('keeps its result when the deadline passes after the handler finished', async () => {
    const { call, outcome } = started(5_000, 5_000);
    call.succeed({ output: { ok: true }, events: [] });
    call.expire();
    await expect(outcome).resolves.toEqual({ output: { ok: true }, events: [] });
  });

  it('hands the caller the failure it was given', async () => {
    const { call, outcome } = started(5_000, 5_000);
    const failure = new LucentError('FUNCTION_FAILED', 'no quote');
    call.fail(failure);
    await expect(outcome).resolves.toBe(failure);
  });
});
