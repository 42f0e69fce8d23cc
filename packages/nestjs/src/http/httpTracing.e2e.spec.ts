// HTTP server spans with tracing on: one per request under the caller's traceparent, active for the app's own code, named in every call made for it.
import 'reflect-metadata';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Body, Controller, Get, HttpCode, Module, Post } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFunction } from '@lucent/core';
import { FunctionManager, JsonLinesSpanExporter, parentContext, startTracing, traceparentOf, type SpanRecord, type Tracing } from '@lucent/runtime';
import { LucentModule } from '../lucentModule.js';
import { createLucentApp } from './lucentHttp.js';

/** What the app's own code sees as the active span: its traceparent, or null outside any. */
const activeTraceparent = (): string | null => traceparentOf(parentContext(undefined)) ?? null;

@Controller('probe')
class ProbeController {
  @Post()
  @HttpCode(200)
  async post(@Body() body: { wait?: number }): Promise<{ active: string | null; afterAwait: string | null }> {
    const active = activeTraceparent();
    await new Promise((r) => setTimeout(r, body.wait ?? 1));
    return { active, afterAwait: activeTraceparent() };
  }

  @Get()
  get(): { active: string | null } {
    return { active: activeTraceparent() };
  }
}

const whereAmI = defineFunction(
  { name: 'test.whereAmI', version: '1.0.0', input: z.object({}), output: z.object({ traceparent: z.string().nullable() }) },
  (_input, ctx) => ({ traceparent: ctx.execution.traceparent ?? null }),
);

const caller = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };
const callerHeader = `00-${caller.traceId}-${caller.spanId}-01`;
/** The span id a traceparent names. */
const spanIdOf = (traceparent: string | null): string | undefined => traceparent?.split('-')[2];

describe('HTTP server spans', () => {
  let app: NestFastifyApplication;
  let tracing: Tracing | undefined;
  let dir: string;
  let file: string;
  const spans = (): SpanRecord[] =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as SpanRecord);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lucent-http-spans-'));
    file = join(dir, 'spans.jsonl');
    tracing = await startTracing({ exporter: new JsonLinesSpanExporter(file), serviceName: 'http-spec' });
    @Module({ imports: [LucentModule.forRoot({ invoker: new FunctionManager().register(whereAmI), openApi: false })], controllers: [ProbeController] })
    class AppModule {}
    app = await createLucentApp(AppModule, { nestLogger: false });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(async () => {
    await app.close();
    await tracing?.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes the request span the active one in the handler, across its body parsing and its awaits', async () => {
    const res = await app.inject({ method: 'POST', url: '/probe', payload: { wait: 5 }, headers: { traceparent: callerHeader } });
    expect(res.statusCode).toBe(200);
    const { active, afterAwait } = res.json<{ active: string | null; afterAwait: string | null }>();
    const server = spans().find((s) => s.name === 'POST /probe');
    expect(server).toMatchObject({ traceId: caller.traceId, parentSpanId: caller.spanId, kind: 'SERVER' });
    expect(spanIdOf(active)).toBe(server!.spanId);
    expect(spanIdOf(afterAwait)).toBe(server!.spanId);
    expect(active!.split('-')[1]).toBe(caller.traceId);
  });

  it('does so for a request without a body, and starts a trace when the caller sent none', async () => {
    const res = await app.inject({ method: 'GET', url: '/probe' });
    const { active } = res.json<{ active: string | null }>();
    const server = spans().find((s) => s.name === 'GET /probe');
    expect(server?.kind).toBe('SERVER');
    expect(server?.parentSpanId).toBeUndefined();
    expect(spanIdOf(active)).toBe(server!.spanId);
  });

  it('hands the request span to the function a POST /functions call runs, and each request gets its own', async () => {
    const call = () => app.inject({ method: 'POST', url: '/functions/test.whereAmI', payload: {}, headers: { traceparent: callerHeader } });
    const [a, b] = await Promise.all([call(), call()]);
    const seen = [a, b].map((r) => spanIdOf(r.json<{ output: { traceparent: string | null } }>().output.traceparent));
    const servers = spans().filter((s) => s.name === 'POST /functions/:name');
    expect(servers).toHaveLength(2);
    for (const s of servers) expect(s).toMatchObject({ traceId: caller.traceId, parentSpanId: caller.spanId });
    // The function's own span is a child of its request's span.
    const runs = spans().filter((s) => s.parentSpanId !== undefined && servers.some((h) => h.spanId === s.parentSpanId));
    expect(runs).toHaveLength(2);
    expect(new Set(seen).size).toBe(2);
    for (const id of seen) expect(runs.map((r) => r.spanId).concat(servers.map((h) => h.spanId))).toContain(id);
  });
});
