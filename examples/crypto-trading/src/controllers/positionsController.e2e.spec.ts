// Positions over HTTP: commands write events, the portfolio projection answers; embedded defaults and real servers.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LucentModule } from '@lucent/nestjs';
import { FunctionManager } from '@lucent/runtime';
import { openInfrastructure, type Infrastructure, type InfrastructureConfig } from '../managers/infrastructure.js';
import { createPortfolioManager, type PortfolioManager } from '../managers/portfolioManager.js';
import { functionRegistry } from '../registry/functionRegistry.js';
import { PositionsModule } from './positionsController.js';

const tag = randomBytes(4).toString('hex');
const setups: Record<string, InfrastructureConfig> = {
  'embedded (PGlite + in-memory projections)': {},
  'real servers (PostgreSQL + Redis)': {
    postgresUrl: 'postgres://postgres@127.0.0.1:5432/test',
    redisUrl: 'redis://127.0.0.1:6379',
    pgSchema: `lucent_pos_${tag}`,
    redisPrefix: `lucent:test:pos:${tag}:`,
  },
};

afterAll(async () => {
  const c = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS lucent_pos_${tag} CASCADE`);
  await c.end();
  const r = new Redis({ host: '127.0.0.1', port: 6379 });
  const keys = await r.keys(`lucent:test:pos:${tag}:*`);
  if (keys.length > 0) await r.unlink(...keys);
  await r.quit();
});

for (const [name, setup] of Object.entries(setups)) {
  describe(`positions endpoints: ${name}`, () => {
    let app: NestFastifyApplication;
    let manager: PortfolioManager;
    let infrastructure: Infrastructure;
    const call = async (method: 'GET' | 'POST', url: string, payload?: unknown, headers?: Record<string, string>) => {
      const r = await app.inject({ method, url, payload: payload as string | object | undefined, headers });
      return { status: r.statusCode, body: r.json() as Record<string, unknown> };
    };

    beforeAll(async () => {
      const functions = new FunctionManager().register(functionRegistry);
      infrastructure = await openInfrastructure(setup);
      manager = await createPortfolioManager({ functions, infrastructure });
      @Module({ imports: [LucentModule.forRoot({ manager: functions }), PositionsModule.forRoot(manager)] })
      class TestModule {}
      app = await NestFactory.create<NestFastifyApplication>(TestModule, new FastifyAdapter(), { logger: false });
      await app.init();
      await app.getHttpAdapter().getInstance().ready();
    });

    afterAll(async () => {
      await app.close();
      await infrastructure.close();
    });

    it('opens, funds, borrows, repays and closes a position; the portfolio follows', async () => {
      const opened = await call('POST', '/positions', { owner: `alice-${tag}`, pair: 'ETH-USD' });
      expect(opened.status).toBe(201);
      const id = opened.body['positionId'] as string;
      expect((await call('POST', `/positions/${id}/deposit`, { amount: 2, priceUsd: 3000 })).status).toBe(200);
      const borrowed = await call('POST', `/positions/${id}/borrow`, { amountUsd: 4000 });
      expect(borrowed.body).toMatchObject({ version: 3, events: ['Borrowed'] });
      await manager.projector.waitFor(borrowed.body['position'] as number);
      expect((await call('GET', `/portfolios/alice-${tag}`)).body).toMatchObject({
        openPositions: 1,
        collateralUsd: 6000,
        debtUsd: 4000,
        positions: { [id]: { pair: 'ETH-USD', status: 'open' } },
      });
      await call('POST', `/positions/${id}/repay`, { amountUsd: 4000 });
      const closed = await call('POST', `/positions/${id}/close`);
      expect(closed.body).toMatchObject({ version: 5, events: ['PositionClosed'] });
      await manager.projector.waitFor(closed.body['position'] as number);
      expect((await call('GET', `/portfolios/alice-${tag}`)).body).toMatchObject({ openPositions: 0, debtUsd: 0 });
    });

    it('answers bad input with 400 naming the field, a broken rule with 422, and writes nothing', async () => {
      const opened = await call('POST', '/positions', { owner: `bob-${tag}`, pair: 'BTC-USD' });
      const id = opened.body['positionId'] as string;
      const bad = await call('POST', `/positions/${id}/deposit`, { amount: 'lots', priceUsd: 1 });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body)).toContain('amount');
      const tooMuch = await call('POST', `/positions/${id}/borrow`, { amountUsd: 1 });
      expect(tooMuch.status).toBe(422);
      expect(await manager.events.streamVersion(`position-${id}`)).toBe(1);
      expect((await call('POST', '/positions', { owner: `bob-${tag}`, pair: 'not a pair' })).status).toBe(400);
      expect((await call('GET', `/portfolios/nobody-${tag}`)).status).toBe(404);
    });

    it('runs a command once per idempotency key', async () => {
      const opened = await call('POST', '/positions', { owner: `carol-${tag}`, pair: 'ETH-USD' });
      const id = opened.body['positionId'] as string;
      const headers = { 'idempotency-key': `dep-${tag}-${id}` };
      const first = await call('POST', `/positions/${id}/deposit`, { amount: 1, priceUsd: 100 }, headers);
      const again = await call('POST', `/positions/${id}/deposit`, { amount: 1, priceUsd: 100 }, headers);
      expect(first.body).toMatchObject({ version: 2, duplicate: false });
      expect(again.body).toMatchObject({ version: 2, duplicate: true });
      expect(await manager.events.streamVersion(`position-${id}`)).toBe(2);
    });
  });
}
