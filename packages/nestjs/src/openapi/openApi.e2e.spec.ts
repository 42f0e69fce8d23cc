// GET /openapi.json documents every POST /functions/<name> with the JSON Schemas of its contracts and the error shape, and the admin API's bodies and answers from the contracts it parses with.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { SignJWT } from 'jose';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { contractJsonSchema, defineFunction } from '@lucent/core';
import { FunctionManager, MemoryRegistryStore, RegistryAdmin } from '@lucent/runtime';
import { LucentAdminModule } from '../admin/lucentAdminModule.js';
import type { LucentModuleOptions } from '../lucentModule.js';
import { LucentModule } from '../lucentModule.js';

const Asset = z.string().min(1).max(20).meta({ id: 'Asset' });
interface Route {
  readonly asset: string;
  readonly next: Route[];
}
const RouteSchema: z.ZodType<Route> = z.object({
  asset: Asset,
  get next() {
    return z.array(RouteSchema);
  },
});

const healthFactor = defineFunction(
  {
    name: 'risk.healthFactor',
    version: '1.0.0',
    description: 'Aave-style health factor',
    input: z.object({ collateral: z.array(z.object({ asset: Asset, amount: z.number().nonnegative() })), debtUsd: z.number() }),
    output: z.object({ healthFactor: z.number().nullable() }),
  },
  () => ({ healthFactor: null }),
);
const healthFactorV2 = defineFunction({ ...healthFactor, ...healthFactor.meta, version: '2.0.0' }, healthFactor.handler);
const routes = defineFunction(
  { name: 'arbitrage.routes', version: '1.0.0', input: z.object({ from: RouteSchema }), output: z.object({ count: z.number() }) },
  () => ({ count: 0 }),
);
const functions = [healthFactor, healthFactorV2, routes];

type Doc = {
  openapi: string;
  paths: Record<string, { post: Record<string, unknown> & { requestBody: { content: Record<string, { schema: { $ref: string } }> } } }>;
  components: { schemas: Record<string, Record<string, unknown>>; responses: Record<string, unknown>; securitySchemes?: unknown };
};

const apps: NestFastifyApplication[] = [];
async function fetchDocument(options: Omit<LucentModuleOptions, 'manager'> = {}): Promise<{ doc: Doc; status: number; manager: FunctionManager }> {
  const manager = new FunctionManager().register(...functions);
  const app = await NestFactory.create<NestFastifyApplication>(LucentModule.forRoot({ manager, ...options }), new FastifyAdapter(), { logger: false });
  apps.push(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const res = await app.inject({ method: 'GET', url: '/openapi.json' });
  return { doc: res.json() as Doc, status: res.statusCode, manager };
}

afterAll(async () => {
  for (const app of apps) await app.close();
});

/** Follow a local `#/components/...` reference through the document. */
function resolve(doc: unknown, pointer: string): unknown {
  return pointer
    .slice(2)
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
}

function refsOf(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) refsOf(n, out);
  else if (node !== null && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refsOf(v, out);
    }
  }
  return out;
}

describe('GET /openapi.json', () => {
  it('lists each registered function as POST /functions/<name> with its input and output schema', async () => {
    const { doc, status, manager } = await fetchDocument({ openApi: { title: 'Crypto desk', version: '3.1.4' } });
    expect(status).toBe(200);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc).toMatchObject({ info: { title: 'Crypto desk', version: '3.1.4' } });
    // Besides the functions: the list (GET /functions), this document and its UI, all @LucentRoute routes.
    expect(Object.keys(doc.paths).sort()).toEqual(
      [...manager.list().map((f) => `/functions/${f.name}`), '/functions', '/openapi.json', '/docs', '/docs/{asset}'].sort(),
    );

    const op = doc.paths['/functions/risk.healthFactor']!.post;
    expect(op).toMatchObject({ operationId: 'risk.healthFactor', summary: 'Aave-style health factor' });
    const input = resolve(doc, op.requestBody.content['application/json']!.schema.$ref) as Record<string, unknown>;
    const expected = contractJsonSchema(healthFactor.input, 'input')!;
    expect(input['required']).toEqual(expected['required']);
    const props = input['properties'] as Record<string, { items?: { properties: { asset: { $ref: string } } } }>;
    expect(props['debtUsd']).toEqual((expected['properties'] as Record<string, unknown>)['debtUsd']);
    // A shared schema (zod `.meta({ id })`) becomes a component of its own, referenced from the field.
    expect(resolve(doc, props['collateral']!.items!.properties.asset.$ref)).toEqual({ type: 'string', minLength: 1, maxLength: 20 });
    const okSchema = (op['responses'] as Record<string, { content: Record<string, { schema: { properties: { output: { $ref: string } } } }> }>)['200']!;
    const output = resolve(doc, okSchema.content['application/json']!.schema.properties.output.$ref);
    expect(output).toMatchObject({ type: 'object', properties: { healthFactor: {} } });
    expect((op['parameters'] as { name: string; schema: { enum: string[] } }[])[0]).toMatchObject({ name: 'version', schema: { enum: ['1.0.0', '2.0.0'] } });
  });

  it('documents the error shape, with the field paths of a 400', async () => {
    const { doc } = await fetchDocument();
    const responses = doc.paths['/functions/risk.healthFactor']!.post['responses'] as Record<string, { $ref: string }>;
    expect(Object.keys(responses)).toEqual(expect.arrayContaining(['200', '400', '403', '404', '500', '504']));
    expect(responses['401']).toBeUndefined();
    const badRequest = resolve(doc, responses['400']!.$ref) as { content: Record<string, { schema: { $ref: string } }> };
    expect(JSON.stringify(resolve(doc, badRequest.content['application/json']!.schema.$ref))).toContain('issues');
    expect(doc.components.schemas['LucentError']).toMatchObject({ required: ['code', 'message'] });
  });

  it('keeps every $ref resolvable, including shared and recursive schemas', async () => {
    const { doc } = await fetchDocument();
    const refs = refsOf(doc);
    expect(refs.length).toBeGreaterThan(10);
    for (const r of refs) expect(resolve(doc, r), r).toBeDefined();
    // The recursive route points back at its own hoisted schema, not at the document root.
    expect(refs).not.toContain('#');
    expect(refs.some((r) => r.startsWith('#/components/schemas/arbitrage.routes.Input.'))).toBe(true);
  });

  it('declares the bearer scheme and the 401 answer when auth is configured', async () => {
    const { doc } = await fetchDocument({ auth: { secret: 'a-test-secret-that-is-long-enough-for-hs256' } });
    expect(doc.components.securitySchemes).toEqual({ bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } });
    const op = doc.paths['/functions/arbitrage.routes']!.post;
    expect(op['security']).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(op['responses'] as object)).toContain('401');
  });

  it('follows functions registered after start-up', async () => {
    const { manager } = await fetchDocument();
    const app = apps[apps.length - 1]!;
    manager.register(defineFunction({ name: 'yield.apy', version: '1.0.0', input: z.object({ apr: z.number() }), output: z.number() }, ({ apr }) => apr));
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as Doc;
    expect(Object.keys(doc.paths)).toContain('/functions/yield.apy');
  });
});

describe('GET /openapi.json with the admin API mounted', () => {
  const secret = 'a-test-secret-that-is-long-enough-for-hs256';
  const fn = 'pricing.quote';
  const registry = new MemoryRegistryStore();
  let app: NestFastifyApplication;
  let doc: Omit<Doc, 'paths'> & { paths: Record<string, Record<string, AdminOperation>> };
  let token: string;

  type Content = { content?: Record<string, { schema: { $ref: string } }> };
  type AdminOperation = { requestBody?: Content & { required: boolean }; responses: Record<string, Content> };

  beforeAll(async () => {
    const admin = new RegistryAdmin(registry);
    const fingerprint = { input: 'sha256:in', output: 'sha256:out' };
    for (const version of ['1.0.0', '2.0.0']) await admin.register(fn, { version, fingerprint }, { who: 'setup', why: 'seed' });
    @Module({
      imports: [
        LucentModule.forRoot({ manager: new FunctionManager().register(...functions), auth: { secret } }),
        LucentAdminModule.forRoot({ registry, auth: { secret }, shadowReports: () => Promise.resolve({ source: 'this process', pairs: [] }) }),
      ],
    })
    class AppWithAdmin {}
    app = await NestFactory.create<NestFastifyApplication>(AppWithAdmin, new FastifyAdapter(), { logger: false });
    apps.push(app);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    token = await new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setExpirationTime('5m').sign(new TextEncoder().encode(secret));
    doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as typeof doc;
  });
  afterAll(() => registry.close());

  const call = (method: 'GET' | 'PUT' | 'POST', url: string, payload?: Record<string, unknown>) =>
    app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload === undefined ? {} : { payload }) });

  /** A validator over the document's own components: what the document says a body or an answer may be. */
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const documented = (pointer: string) => {
    if (ajv.getSchema('doc') === undefined) ajv.addSchema(doc, 'doc');
    return ajv.compile({ $ref: `doc${pointer}` });
  };
  const adminOperations = (): [string, AdminOperation][] =>
    Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/admin/'))
      .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]): [string, AdminOperation] => [`${method.toUpperCase()} ${path}`, op]));

  it('gives every admin operation a 2xx answer schema, every write a body schema, and the LucentError shape on each refusal', () => {
    const operations = adminOperations();
    expect(operations.map(([name]) => name).sort()).toEqual(
      [
        'GET /admin/registry',
        'GET /admin/registry/{name}',
        'GET /admin/registry/{name}/history',
        'GET /admin/registry/{name}/shadow-report',
        'POST /admin/registry/{name}/activate',
        'POST /admin/registry/{name}/enable',
        'POST /admin/registry/{name}/disable',
        'PUT /admin/registry/{name}/weights',
        'PUT /admin/registry/{name}/shadow',
        'PUT /admin/registry/{name}/jurisdictions',
        'PUT /admin/registry/{name}/routes/{route}',
        'DELETE /admin/registry/{name}/routes/{route}',
        'DELETE /admin/registry/{name}/routes',
      ].sort(),
    );
    for (const [name, op] of operations) {
      const success = Object.entries(op.responses).filter(([status]) => status.startsWith('2'));
      expect(success.length, name).toBe(1);
      const answer = resolve(doc, success[0]![1].content!['application/json']!.schema.$ref) as Record<string, unknown> | undefined;
      expect(answer?.['type'] ?? answer?.['$ref'], name).toBeDefined();
      if (!name.startsWith('GET')) expect(resolve(doc, op.requestBody!.content!['application/json']!.schema.$ref), name).toBeDefined();
      else expect(op.requestBody, name).toBeUndefined();
      for (const [status, refusal] of Object.entries(op.responses).filter(([s]) => !s.startsWith('2'))) {
        const schema = refusal.content!['application/json']!.schema.$ref;
        expect(schema, `${name} ${status}`).toBe(status === '400' ? '#/components/schemas/LucentValidationError' : '#/components/schemas/LucentError');
      }
    }
    // A body of only a reason may be left out; one that says what to change may not.
    expect(doc.paths['/admin/registry/{name}/disable']!['post']!.requestBody!.required).toBe(false);
    expect(doc.paths['/admin/registry/{name}/weights']!['put']!.requestBody!.required).toBe(true);
    // The twelve answers share one registry entry schema instead of a copy each.
    expect(Object.keys(doc.components.schemas).filter((n) => n.includes('FunctionRules'))).toEqual(['FunctionRules']);
  });

  it('accepts a body the document describes and refuses, 400 naming the field, one that breaks it; the answers match their schemas', async () => {
    const weightsBody = documented('#/components/schemas/putAdminRegistryNameWeights.Body');
    const entryAnswer = documented('#/components/schemas/putAdminRegistryNameWeights.Response');

    const good = { weights: { '2.0.0': 25 }, reason: 'canary' };
    expect(weightsBody(good)).toBe(true);
    const ok = await call('PUT', `/admin/registry/${fn}/weights`, good);
    expect(ok.statusCode).toBe(200);
    expect(entryAnswer(ok.json()), JSON.stringify(entryAnswer.errors)).toBe(true);
    expect(ok.json()).toMatchObject({ name: fn, rules: { weights: { '2.0.0': 25 } } });
    expect(entryAnswer({ ...(ok.json() as object), revision: 'latest' })).toBe(false);

    const bad = { weights: { '2.0.0': 'half' } };
    expect(weightsBody(bad)).toBe(false);
    expect(weightsBody.errors?.map((e) => e.instancePath)).toEqual(['/weights/2.0.0']);
    const refused = await call('PUT', `/admin/registry/${fn}/weights`, bad);
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toEqual({
      code: 'VALIDATION_FAILED',
      message: expect.any(String),
      details: { where: 'input', subject: 'weights request', issues: [{ path: 'weights.2.0.0', message: 'must be a number' }] },
    });
    expect(documented('#/components/schemas/LucentValidationError')(refused.json())).toBe(true);
    expect((await registry.get(fn))!.rules.weights).toEqual({ '2.0.0': 25 });

    // The read answers are what their schemas say, too.
    for (const [url, schema] of [
      ['/admin/registry', 'getAdminRegistry.Response'],
      [`/admin/registry/${fn}`, 'getAdminRegistryName.Response'],
      [`/admin/registry/${fn}/history?limit=2`, 'getAdminRegistryNameHistory.Response'],
      [`/admin/registry/${fn}/shadow-report`, 'getAdminRegistryNameShadowReport.Response'],
    ] as const) {
      const res = await call('GET', url);
      const check = documented(`#/components/schemas/${schema}`);
      expect([url, res.statusCode, check(res.json())], JSON.stringify(check.errors)).toEqual([url, 200, true]);
    }
  });
});
