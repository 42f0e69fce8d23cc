// A class-style controller validates its body with a function's contract through ContractPipe: 400 names the field, the handler gets parsed input.
import 'reflect-metadata';
import { Body, Controller, HttpCode, Module, Post, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFunction, type InputOf } from '@lucent/core';
import { FunctionManager } from '@lucent/runtime';
import { LucentCall, type CallContext } from '../callContext/callContext.js';
import { LucentCallGuard } from '../callContext/lucentCallGuard.js';
import { LucentModule } from '../lucentModule.js';
import { ContractPipe } from './contractPipe.js';

const quote = defineFunction(
  {
    name: 'pricing.quote',
    version: '1.0.0',
    input: z.object({
      legs: z.array(z.object({ asset: z.string().min(1), qty: z.number().positive() })).min(1),
      slippageBps: z.number().int().min(0).max(500).default(30),
    }),
    output: z.object({ legs: z.number() }),
  },
  ({ legs }) => ({ legs: legs.length }),
);

const Order = z.object({ side: z.enum(['buy', 'sell']), qty: z.number().positive() });

/** What the handlers saw, so the test can check the pipe handed over the parsed value. */
const seen: unknown[] = [];

@Controller('desk')
class DeskController {
  @Post('quotes')
  @HttpCode(200)
  @UseGuards(LucentCallGuard)
  quote(@Body(ContractPipe(quote)) input: InputOf<typeof quote>, @LucentCall() call: CallContext): { ok: true } {
    seen.push({ input, correlationId: call.correlationId });
    return { ok: true };
  }

  @Post('orders')
  @HttpCode(200)
  order(@Body(ContractPipe(Order)) order: z.infer<typeof Order>): { ok: true } {
    seen.push(order);
    return { ok: true };
  }

  /** Forgot the guard: reading the call context must refuse rather than run without identity. */
  @Post('unguarded')
  @HttpCode(200)
  unguarded(@LucentCall() call: CallContext): { business: unknown } {
    return { business: call.business };
  }
}

@Module({ controllers: [DeskController] })
class DeskModule {}

describe('ContractPipe in a class-style controller', () => {
  let app: NestFastifyApplication;
  const post = async (url: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await app.inject({ method: 'POST', url, payload: body as Record<string, unknown>, headers });
    return { status: res.statusCode, json: res.json() as Record<string, unknown> };
  };

  beforeAll(async () => {
    @Module({ imports: [LucentModule.forRoot({ manager: new FunctionManager().register(quote) }), DeskModule] })
    class AppModule {}
    app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), { logger: false });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers a body that breaks the function contract with 400 VALIDATION_FAILED naming each field', async () => {
    seen.length = 0;
    const { status, json } = await post('/desk/quotes', { legs: [{ asset: 'ETH', qty: -1 }], slippageBps: 9000 });
    expect(status).toBe(400);
    expect(json['code']).toBe('VALIDATION_FAILED');
    expect(json['message']).toContain('pricing.quote');
    const paths = (json['details'] as { issues: { path: string }[] }).issues.map((i) => i.path).sort();
    expect(paths).toEqual(['legs.0.qty', 'slippageBps']);
    expect(seen).toEqual([]);
  });

  it('hands the handler the parsed body, defaults applied, next to the call context', async () => {
    seen.length = 0;
    const { status } = await post('/desk/quotes', { legs: [{ asset: 'ETH', qty: 2 }] }, { 'x-correlation-id': 'q-1' });
    expect(status).toBe(200);
    expect(seen).toEqual([{ input: { legs: [{ asset: 'ETH', qty: 2 }], slippageBps: 30 }, correlationId: 'q-1' }]);
  });

  it('takes a bare Standard Schema as well, naming the field', async () => {
    const { status, json } = await post('/desk/orders', { side: 'hold', qty: 1 });
    expect(status).toBe(400);
    expect((json['details'] as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(['side']);
    expect((await post('/desk/orders', { side: 'buy', qty: 1 })).status).toBe(200);
  });

  it('refuses with 401 when a handler reads the call context on a route without LucentCallGuard', async () => {
    const { status, json } = await post('/desk/unguarded', {});
    expect(status).toBe(401);
    expect(json).toMatchObject({ code: 'UNAUTHORIZED', details: { reason: 'no-call-context' } });
  });
});
