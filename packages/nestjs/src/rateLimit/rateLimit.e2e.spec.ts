// A caller past its rate limit gets 429 RATE_LIMITED with Retry-After, the function does not run, and the refusal is counted.
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFunction } from '@lucent/core';
import { FunctionManager, LucentMetrics, RateLimits } from '@lucent/runtime';
import { createLucentApp } from '../http/lucentHttp.js';
import { LucentModule } from '../lucentModule.js';

let runs = 0;
const quote = defineFunction(
  { name: 'test.quote', version: '1.0.0', input: z.object({}), output: z.object({ n: z.number() }) },
  () => ({ n: ++runs }),
);
const free = defineFunction({ name: 'test.free', version: '1.0.0', input: z.object({}), output: z.object({ ok: z.boolean() }) }, () => ({ ok: true }));

const limits = new RateLimits({ limits: { perUser: { 'test.quote': { points: 2, perSeconds: 60 } } } });
const metrics = new LucentMetrics({ processMetrics: false }).rateLimits(limits);
let app: NestFastifyApplication;

beforeAll(async () => {
  app = await createLucentApp(LucentModule.forRoot({ invoker: new FunctionManager().register(quote, free), rateLimits: limits }), { nestLogger: false });
  await app.init();
});
afterAll(() => app.close());

const call = (name: string) => app.inject({ method: 'POST', url: `/functions/${name}`, headers: { 'content-type': 'application/json' }, payload: {} });

describe('rate limits over HTTP', () => {
  it('the third call in a window of 2/min is 429 with Retry-After and a typed body; other functions still answer', async () => {
    expect((await call('test.quote')).statusCode).toBe(200);
    expect((await call('test.quote')).statusCode).toBe(200);
    const refused = await call('test.quote');
    expect(refused.statusCode).toBe(429);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.json()).toMatchObject({ code: 'RATE_LIMITED', details: { function: 'test.quote', scope: 'user', points: 2, perSeconds: 60 } });
    expect(runs).toBe(2);
    expect((await call('test.free')).statusCode).toBe(200);
    expect(await metrics.render()).toContain('lucent_rate_limit_refusals_total{function="test.quote"} 1');
  });

  it('limits changed at run time apply to the next call', async () => {
    limits.update({ perUser: { 'test.quote': { points: 5, perSeconds: 60 } } });
    expect((await call('test.quote')).statusCode).toBe(200);
  });
});
