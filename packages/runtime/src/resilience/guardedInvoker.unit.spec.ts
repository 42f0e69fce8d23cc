import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFunction, LucentError } from '@lucent/core';
import { FunctionManager } from '../functionManager/functionManager.js';
import { GuardedInvoker } from './guardedInvoker.js';
import { RateLimits } from './rateLimits.js';
import { Resilience } from './resilience.js';

let attempts = 0;
const flaky = defineFunction({ name: 'test.flaky', version: '1.0.0', input: z.object({}), output: z.object({ n: z.number() }) }, () => {
  attempts++;
  if (attempts % 2 === 1) throw new LucentError('UNAVAILABLE', 'feed dropped');
  return { n: attempts };
});
const manager = new FunctionManager().register(flaky);
const refused = (p: Promise<unknown>) => p.then(() => undefined, (e: LucentError) => e);

describe('GuardedInvoker', () => {
  it('refuses a user past the budget RATE_LIMITED, without running the function; another user has a budget of their own', async () => {
    const limits = new RateLimits({ limits: { perUser: { '*': { points: 1, perSeconds: 60 } } } });
    const invoker = new GuardedInvoker(manager, { rateLimits: limits });
    const before = attempts;
    await refused(invoker.invoke('test.flaky', {}, { business: { userId: 'alice' } }));
    const error = await refused(invoker.invoke('test.flaky', {}, { business: { userId: 'alice' } }));
    expect(error).toMatchObject({ code: 'RATE_LIMITED', details: { function: 'test.flaky', scope: 'user' } });
    expect(attempts).toBe(before + 1);
    await refused(invoker.invoke('test.flaky', {}, { business: { userId: 'bob' } }));
    expect(attempts).toBe(before + 2);
  });

  it('a per-function budget is shared by every user', async () => {
    const limits = new RateLimits({ limits: { perFunction: { 'test.flaky': { points: 2, perSeconds: 60 } } } });
    const invoker = new GuardedInvoker(manager, { rateLimits: limits });
    await refused(invoker.invoke('test.flaky', {}, { business: { userId: 'a' } }));
    await refused(invoker.invoke('test.flaky', {}, { business: { userId: 'b' } }));
    expect(await refused(invoker.invoke('test.flaky', {}, { business: { userId: 'c' } }))).toMatchObject({ code: 'RATE_LIMITED', details: { scope: 'function' } });
  });

  it("runs a function under its declared policy: a transient UNAVAILABLE is retried and the caller sees the answer", async () => {
    const resilience = new Resilience({ functions: { 'test.flaky': { retry: { retries: 2, initialDelayMs: 1, maxDelayMs: 5 } } } });
    const invoker = new GuardedInvoker(manager, { resilience });
    attempts = 0;
    await expect(invoker.invoke('test.flaky', {})).resolves.toMatchObject({ output: { n: 2 } });
  });

  it('refuses a bad limits document, naming the field, and keeps the old limits', () => {
    const limits = new RateLimits({ limits: { perUser: { '*': { points: 1, perSeconds: 1 } } } });
    expect(() => limits.update({ perUser: { '*': { points: 0, perSeconds: 1 } } })).toThrow(/perUser\.\*\.points/);
    expect(limits.current).toEqual({ perUser: { '*': { points: 1, perSeconds: 1 } } });
  });
});
