// A server error is logged once with everything an operator needs, and the client learns only the code and the log line's id.
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Module } from '@nestjs/common';
import { defineFunction, LucentError, type LogFields, type Logger } from '@lucent/core';
import { FunctionManager } from '@lucent/runtime';
import { createLucentApp } from '../http/lucentHttp.js';
import { LucentModule } from '../lucentModule.js';
import { LucentMetricsModule } from '../metrics/lucentMetricsModule.js';

const lines: { level: string; message: string; fields: LogFields }[] = [];
const logger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (message, fields = {}) => void lines.push({ level: 'warn', message, fields }),
  error: (message, fields = {}) => void lines.push({ level: 'error', message, fields }),
};

const broken = defineFunction(
  { name: 'test.broken', version: '1.0.0', input: z.object({}), output: z.object({ n: z.number() }) },
  () => {
    throw new Error('connection string postgres://secret@db leaked in a message');
  },
);
const overflowing = defineFunction(
  { name: 'test.overflowing', version: '1.0.0', input: z.object({ x: z.number() }), output: z.object({ n: z.number() }) },
  ({ x }) => ({ n: x * Infinity }),
);

let app: NestFastifyApplication;

beforeAll(async () => {
  app = await createLucentApp(LucentModule.forRoot({ manager: new FunctionManager().register(broken, overflowing), logger }), { nestLogger: false });
  await app.init();
});
afterAll(() => app.close());

describe('server errors', () => {
  it.each([
    ['test.broken', 'connection string'],
    ['test.overflowing', 'Invalid output'],
  ])('%s: 500 with only code and errorId; the log line has route, correlation id and stack', async (name, cause) => {
    lines.length = 0;
    const res = await app.inject({
      method: 'POST',
      url: `/functions/${name}`,
      headers: { 'content-type': 'application/json', 'x-correlation-id': 'corr-42' },
      payload: { x: 1 },
    });
    expect(res.statusCode).toBe(500);
    const body = res.json() as { code: string; message: string; details: { errorId: string; correlationId: string } };
    expect(body.code).toBe('FUNCTION_FAILED');
    expect(res.body).not.toContain(cause);
    expect(body.details).toEqual({ errorId: expect.any(String), correlationId: 'corr-42' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'error',
      fields: { errorId: body.details.errorId, status: 500, method: 'POST', route: '/functions/:name', correlationId: 'corr-42' },
    });
    expect(String(lines[0]!.fields['error'])).toContain(cause);
    expect(String(lines[0]!.fields['stack'])).toMatch(/\n\s+at /);
  });

  it('logs nothing for a client error', async () => {
    lines.length = 0;
    const res = await app.inject({ method: 'POST', url: '/functions/test.overflowing', headers: { 'content-type': 'application/json' }, payload: { x: 'a' } });
    expect(res.statusCode).toBe(400);
    expect(lines).toEqual([]);
  });
});

describe('an error on a route that answers text (GET /metrics)', () => {
  it('is a JSON error body with its status, not a second error from sending an object as text', async () => {
    @Module({ imports: [LucentModule.forRoot({ manager: new FunctionManager(), logger }), LucentMetricsModule.forRoot({ metrics: { render: () => Promise.reject(new LucentError('UNAVAILABLE', 'the timer store did not answer')) } })] })
    class WithMetrics {}
    const metricsApp = await createLucentApp(WithMetrics, { nestLogger: false });
    await metricsApp.init();
    try {
      lines.length = 0;
      const res = await metricsApp.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(503);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json()).toMatchObject({ code: 'UNAVAILABLE' });
      expect(lines.map((l) => l.fields['code'])).toEqual(['UNAVAILABLE']);
    } finally {
      await metricsApp.close();
    }
  });
});
