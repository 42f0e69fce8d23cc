// The console's server side as an operator's browser meets it: auth as the service has it, the read API, the live stream, the SPA.
import 'reflect-metadata';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFunction, silentLogger } from '@lucent/core';
import { FunctionManager, MemoryRegistryStore, RegistryAdmin, RegistryWatcher, registerCompiledVersions } from '@lucent/runtime';
import type { LucentAuthOptions } from '../auth/lucentAuth.js';
import { LucentModule } from '../lucentModule.js';
import { CallLog } from './callLog.js';
import type { LucentConsoleOptions } from './consoleOptions.js';
import { LucentConsoleModule } from './lucentConsoleModule.js';
import { recordCalls } from './recordCalls.js';

const secret = 'a-console-test-secret-long-enough-for-hs256';
const quote = defineFunction({ name: 'test.quote', version: '1.0.0', input: z.object({ n: z.number() }), output: z.number() }, ({ n }) => n * 2);
const broken = defineFunction({ name: 'test.broken', version: '2.1.0', input: z.object({}), output: z.number() }, () => {
  throw new Error('the price feed is down');
});

const token = (claims: Record<string, unknown>): Promise<string> =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(secret));

/** The repository's SPA build when there is one; otherwise a tiny build made here, so serving is tested either way. */
const repoBuild = fileURLToPath(new URL('../../../console/dist', import.meta.url));
const built = existsSync(join(repoBuild, 'index.html'));
const temp = mkdtempSync(join(tmpdir(), 'lucent-console-'));
const emptyDir = join(temp, 'empty');
mkdirSync(emptyDir);
if (!built) {
  mkdirSync(join(temp, 'spa', 'assets'), { recursive: true });
  writeFileSync(join(temp, 'spa', 'index.html'), '<!doctype html><title>console</title><script type="module" src="/console/assets/app-1a2b.js"></script>');
  writeFileSync(join(temp, 'spa', 'assets', 'app-1a2b.js'), 'console.log("console");');
}
const staticDir = built ? undefined : join(temp, 'spa');

interface Harness {
  readonly app: NestFastifyApplication;
  readonly registry: MemoryRegistryStore;
  readonly close: () => Promise<void>;
}

async function start(auth: LucentAuthOptions | undefined, consoleOptions: Partial<LucentConsoleOptions> = {}): Promise<Harness> {
  const manager = new FunctionManager().register(quote, broken);
  const registry = new MemoryRegistryStore();
  await registerCompiledVersions(registry, [quote, broken], { who: 'test', why: 'compiled in' });
  const watcher = new RegistryWatcher({ store: registry, manager });
  await watcher.start();
  const calls = new CallLog({ capacity: 50 });
  const invoker = recordCalls(manager, calls, { versionFor: (name, business) => manager.versionFor(name, business) });
  @Module({})
  class TestApp {
    static forRoot(): DynamicModule {
      return {
        module: TestApp,
        imports: [
          LucentModule.forRoot({ invoker, ...(auth === undefined ? {} : { auth }), openApi: false, logger: silentLogger }),
          LucentConsoleModule.forRoot({
            service: { name: 'console-test', version: '0.0.1', mode: 'embedded' },
            functions: () => invoker.list(),
            registry,
            calls,
            self: { id: 'local', role: 'shard' },
            stores: [{ name: 'registry', probe: () => registry.list(), detail: 'in memory' }],
            adminApi: auth === undefined ? false : { adminRole: 'admin' },
            live: { clusterIntervalMs: 100 },
            ...(staticDir === undefined ? {} : { staticDir }),
            ...consoleOptions,
          }),
        ],
      };
    }
  }
  const app = await NestFactory.create<NestFastifyApplication>(TestApp.forRoot(), new FastifyAdapter(), { logger: false });
  await app.listen(0, '127.0.0.1');
  return {
    app,
    registry,
    close: async () => {
      await app.close();
      await watcher.stop();
      await registry.close();
    },
  };
}

describe('LucentConsoleModule with auth on', () => {
  let h: Harness;
  let base: string;
  let viewer: Record<string, string>;
  let admin: Record<string, string>;
  beforeAll(async () => {
    h = await start({ secret });
    base = await h.app.getUrl();
    viewer = { authorization: `Bearer ${await token({ sub: 'viewer-1', roles: ['viewer'] })}` };
    admin = { authorization: `Bearer ${await token({ sub: 'ops-1', roles: ['admin', 'viewer'] })}` };
  });
  afterAll(async () => {
    await h.close();
  });

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await h.app.inject({ method: 'GET', url: path, headers });
    return { status: res.statusCode, json: res.json() as Record<string, unknown> & { calls?: Record<string, unknown>[] } };
  };

  it('refuses every API read without a valid token (401, the usual error body)', async () => {
    for (const path of ['/console/api/session', '/console/api/calls', '/console/api/cluster', '/console/api/live']) {
      const { status, json } = await get(path);
      expect(status, path).toBe(401);
      expect(json).toMatchObject({ code: 'UNAUTHORIZED', message: expect.any(String) });
    }
    expect((await get('/console/api/overview', { authorization: 'Bearer not-a-token' })).status).toBe(401);
  });

  it('lets any verified token read, and /session says who it is and whether it may change things', async () => {
    expect(await get('/console/api/session', viewer)).toEqual({ status: 200, json: { auth: 'on', subject: 'viewer-1', roles: ['viewer'], admin: false } });
    expect((await get('/console/api/session', admin)).json).toEqual({ auth: 'on', subject: 'ops-1', roles: ['admin', 'viewer'], admin: true });
    const overview = await get('/console/api/overview', viewer);
    expect(overview.status).toBe(200);
    expect(overview.json).toMatchObject({
      service: { name: 'console-test', version: '0.0.1', mode: 'embedded', uptimeSec: expect.any(Number) },
      stores: [
        { name: 'eventStore', status: 'absent' },
        { name: 'projections', status: 'absent' },
        { name: 'nats', status: 'absent' },
        { name: 'registry', status: 'up', detail: 'in memory' },
      ],
    });
    const functions = await get('/console/api/functions', viewer);
    expect(functions.json['functions']).toEqual([
      expect.objectContaining({ name: 'test.broken', disabled: false, shadow: null, versions: [expect.objectContaining({ version: '2.1.0', weight: 100, active: true })] }),
      expect.objectContaining({ name: 'test.quote', versions: [expect.objectContaining({ version: '1.0.0', weight: 100, active: true })] }),
    ]);
  });

  it('records a failed call with its code, function, version, correlation id and user, and filters by function and code', async () => {
    const ok = await h.app.inject({ method: 'POST', url: '/functions/test.quote', headers: { ...viewer, 'x-correlation-id': 'corr-ok-1' }, payload: { n: 2 } });
    expect(ok.statusCode).toBe(200);
    const failed = await h.app.inject({ method: 'POST', url: '/functions/test.broken', headers: { ...viewer, 'x-correlation-id': 'corr-fail-1' }, payload: {} });
    expect(failed.statusCode).toBe(500);

    const all = await get('/console/api/calls', viewer);
    expect(all.json.calls?.map((c) => c['correlationId'])).toEqual(['corr-fail-1', 'corr-ok-1']);
    expect(all.json.calls?.[0]).toEqual({
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      function: 'test.broken',
      version: '2.1.0',
      shard: null,
      outcome: 'error',
      code: 'FUNCTION_FAILED',
      message: 'Function test.broken threw: the price feed is down',
      correlationId: 'corr-fail-1',
      traceId: null,
      user: 'viewer-1',
      durationMs: expect.any(Number),
    });
    expect(all.json.calls?.[1]).toMatchObject({ function: 'test.quote', version: '1.0.0', shard: 'local', outcome: 'ok', code: null });

    const byFunction = await get('/console/api/calls?function=test.quote', viewer);
    expect(byFunction.json.calls?.map((c) => c['correlationId'])).toEqual(['corr-ok-1']);
    const byCode = await get('/console/api/calls?code=FUNCTION_FAILED&limit=5', viewer);
    expect(byCode.json.calls?.map((c) => c['correlationId'])).toEqual(['corr-fail-1']);
    expect((await get('/console/api/calls?code=DEADLINE_EXCEEDED', viewer)).json.calls).toEqual([]);
    const rates = (await get('/console/api/functions', viewer)).json['functions'] as { name: string; versions: { errorRate: number }[] }[];
    expect(rates.find((f) => f.name === 'test.broken')?.versions[0]?.errorRate).toBe(1);
  });

  it('answers a bad query with 400 naming the field', async () => {
    const cases: [string, string][] = [
      ['/console/api/calls?limit=0', 'limit'],
      ['/console/api/calls?limit=ten', 'limit'],
      ['/console/api/calls?code=not-a-code', 'code'],
      ['/console/api/calls?shard=a', 'shard'],
      ['/console/api/cluster?verbose=1', 'verbose'],
      ['/console/api/live?since=0', 'since'],
    ];
    for (const [path, field] of cases) {
      const { status, json } = await get(path, viewer);
      expect(status, path).toBe(400);
      expect(json, path).toMatchObject({ code: 'VALIDATION_FAILED', details: { issues: [expect.objectContaining({ path: field })] } });
    }
  });

  it('streams a cluster event at once, then each call and each registry change, as Server-Sent Events', async () => {
    const abort = new AbortController();
    const res = await fetch(`${base}/console/api/live`, { headers: viewer, signal: abort.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const until = async (pattern: RegExp): Promise<RegExpExecArray> => {
      const deadline = Date.now() + 5_000;
      for (;;) {
        const found = pattern.exec(text);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no ${pattern} in ${text.slice(0, 500)}`);
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        text += value;
      }
    };
    const cluster = await until(/event: cluster\ndata: (.*)\n\n/);
    expect(JSON.parse(cluster[1]!)).toMatchObject({ gateway: null, shards: [{ id: 'local', status: 'healthy', breaker: 'closed', versions: ['test.broken@2.1.0', 'test.quote@1.0.0'] }] });
    await h.app.inject({ method: 'POST', url: '/functions/test.quote', headers: { ...viewer, 'x-correlation-id': 'corr-live-1' }, payload: { n: 1 } });
    const call = await until(/event: call\ndata: (.*"corr-live-1".*)\n\n/);
    expect(JSON.parse(call[1]!)).toMatchObject({ function: 'test.quote', outcome: 'ok', correlationId: 'corr-live-1' });
    await new RegistryAdmin(h.registry).disable('test.quote', { who: 'ops-1', why: 'console test' });
    const change = await until(/event: registry\ndata: (.*)\n\n/);
    expect(JSON.parse(change[1]!)).toMatchObject({ name: 'test.quote' });
    abort.abort();
    await reader.cancel().catch(() => undefined);
  });

  it('serves the SPA at /console, its assets with their content type, and the page for any other name', async () => {
    const index = await h.app.inject({ method: 'GET', url: '/console' });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toMatch(/^text\/html/);
    const expected = readFileSync(join(staticDir ?? repoBuild, 'index.html'), 'utf8');
    expect(index.body).toBe(expected);
    const asset = /\/console\/assets\/([^"']+\.js)/.exec(expected)?.[1];
    expect(asset).toBeDefined();
    const js = await h.app.inject({ method: 'GET', url: `/console/assets/${asset}` });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect((await h.app.inject({ method: 'GET', url: '/console/functions' })).body).toBe(expected);
    expect((await h.app.inject({ method: 'GET', url: '/console/assets/missing-0000.js' })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: '/console/assets/..%2Fsecret' })).statusCode).toBe(400);
  });
});

describe('LucentConsoleModule with auth off (the embedded default)', () => {
  let h: Harness;
  let closed = false;
  beforeAll(async () => {
    h = await start(undefined, { staticDir: emptyDir });
  });
  afterAll(async () => {
    if (!closed) await h.close();
    rmSync(temp, { recursive: true, force: true });
  });

  it('is readable without a token and read-only, and explains a missing build with a 503 page', async () => {
    const session = await h.app.inject({ method: 'GET', url: '/console/api/session' });
    expect(session.json()).toEqual({ auth: 'off', subject: null, roles: [], admin: false });
    const page = await h.app.inject({ method: 'GET', url: '/console' });
    expect(page.statusCode).toBe(503);
    expect(page.body).toContain('npm run build');
    expect(page.body).toContain(emptyDir);
  });

  it('ends open live streams when the app closes, so a graceful stop does not wait for them', async () => {
    const res = await fetch(`${await h.app.getUrl()}/console/api/live`);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    expect((await reader.read()).value).toMatch(/^event: cluster\n/);
    const started = Date.now();
    closed = true;
    await h.close();
    for (let r = await reader.read(); !r.done; r = await reader.read());
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
