// The service's OpenAPI document: every route it serves is in it, it passes two independent validators, and /docs renders it.
import { validate as readmeValidate } from '@readme/openapi-parser';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { SignJWT } from 'jose';
import { servedRoutes } from '@lucent/nestjs';
import { afterAll, describe, expect, it } from 'vitest';
import { createCryptoService } from './app.js';
import { configFromEnv } from './config.js';

const secret = 'openapi-spec-secret-long-enough-for-hs256';
const service = await createCryptoService(
  configFromEnv({ LUCENT_DATA_DIR: ':memory:', LUCENT_PRICE_CRON: 'off', LUCENT_AUTH_SECRET: secret }),
  { logs: false },
);
afterAll(() => service.close());

const doc = (await service.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };

const adminToken = await new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('olga').setExpirationTime('5m').sign(new TextEncoder().encode(secret));
const call = (method: 'GET' | 'PUT', url: string, payload?: Record<string, unknown>) =>
  service.app.inject({ method, url, headers: { authorization: `Bearer ${adminToken}` }, ...(payload === undefined ? {} : { payload }) });
/** What the document says a body or an answer may be, checked by ajv against the document's own components. */
const ajv = new Ajv2020({ strict: false, allErrors: true }).addSchema(doc, 'doc');
const documented = (name: string) => ajv.compile({ $ref: `doc#/components/schemas/${name}` });

type Content = { content?: Record<string, { schema: { $ref?: string } }> };
type Operation = { requestBody?: Content; responses: Record<string, Content> };
const schemaOf = (part: Content | undefined): unknown => {
  const ref = part?.content?.['application/json']?.schema.$ref;
  return ref === undefined ? undefined : ref.slice(2).split('/').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
};

describe('GET /openapi.json', () => {
  it('documents every route the service serves', () => {
    const documented = new Set(Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)));
    const served = servedRoutes(service.app).map((r) => `${r.method} ${r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
    expect(served.length).toBeGreaterThan(15);
    // POST /functions/{name} is documented once per registered function.
    const missing = served.filter((r) => r !== 'POST /functions/{name}' && !documented.has(r));
    expect(missing).toEqual([]);
    expect([...documented].filter((r) => r.startsWith('POST /functions/')).length).toBeGreaterThan(10);
  });

  it('documents x-lucent-shard and x-lucent-version on the service routes that answer them', () => {
    const headersOf = (path: string, method: string): string[] => {
      const responses = (doc.paths[path]?.[method] as { responses: Record<string, { headers?: Record<string, unknown> }> }).responses;
      return Object.keys(responses['200']?.headers ?? {});
    };
    for (const [path, method] of [['/positions/{id}/risk', 'get'], ['/yield/positions/{id}', 'get'], ['/arbitrage/scan', 'post']] as const) {
      expect(headersOf(path, method), `${method} ${path}`).toEqual(['x-lucent-shard', 'x-lucent-version']);
    }
    expect(headersOf('/positions/{id}/alerts', 'get')).toEqual([]);
  });

  it('gives every admin operation its 2xx answer schema and, where it takes a body, its body schema', () => {
    const admin = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/admin/'))
      .flatMap(([path, ops]) => Object.entries(ops as Record<string, Operation>).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op })));
    expect(admin.length).toBe(13);
    const missing = admin.flatMap(({ name, op }) => {
      const success = Object.entries(op.responses).find(([status]) => status.startsWith('2'))?.[1];
      return [
        ...(schemaOf(success) === undefined ? [`${name}: no answer schema`] : []),
        ...(!name.startsWith('GET') && schemaOf(op.requestBody) === undefined ? [`${name}: no body schema`] : []),
      ];
    });
    expect(missing).toEqual([]);
  });

  it('is valid OpenAPI 3.1 for two independent validators', async () => {
    const copy = (): Record<string, unknown> => JSON.parse(JSON.stringify(doc)) as Record<string, unknown>;
    const readme = await readmeValidate(copy() as never);
    expect(readme.valid ? [] : readme.errors).toEqual([]);
    const validator = new Validator();
    const result = await validator.validate(copy());
    expect(result.valid ? [] : result.errors).toEqual([]);
  });
});

describe('the admin API against its document', () => {
  it('takes a jurisdictions body the document describes and refuses one that breaks it with 400 naming the field', async () => {
    const body = documented('putAdminRegistryNameJurisdictions.Body');
    const answer = documented('putAdminRegistryNameJurisdictions.Response');
    const [first] = ((await call('GET', '/admin/registry')).json() as { functions: { name: string }[] }).functions;
    const url = `/admin/registry/${first!.name}/jurisdictions`;

    const good = { deny: ['FR'], reason: 'openapi spec' };
    expect(body(good)).toBe(true);
    const ok = await call('PUT', url, good);
    expect(ok.statusCode).toBe(200);
    expect(answer(ok.json()), JSON.stringify(answer.errors)).toBe(true);

    const bad = { deny: ['France'] };
    expect([body(bad), body.errors?.[0]?.instancePath]).toEqual([false, '/deny/0']);
    const refused = await call('PUT', url, bad);
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: { issues: [{ path: 'deny[0]', message: 'must be an ISO 3166 code such as "US" or "DE"' }] } });
    // Put back: the other cases read the same service.
    expect((await call('PUT', url, { reason: 'openapi spec done' })).statusCode).toBe(200);
  });
});

describe('the console API against its document', () => {
  it('answers every read with what its documented answer schema says', async () => {
    const [first] = ((await call('GET', '/admin/registry')).json() as { functions: { name: string }[] }).functions;
    await service.app.inject({ method: 'POST', url: `/functions/${first!.name}`, headers: { authorization: `Bearer ${adminToken}` }, payload: {} });
    const reads = Object.entries(doc.paths)
      .filter(([path, ops]) => path.startsWith('/console/api/') && path !== '/console/api/live' && 'get' in ops)
      .map(([path, ops]) => ({ path, success: schemaOf((ops['get'] as Operation).responses['200']), ref: ((ops['get'] as Operation).responses['200']?.content?.['application/json']?.schema.$ref ?? '').split('/').pop()! }));
    const checked = [];
    for (const { path, success, ref } of reads) {
      // The history reads (sagas, events, schedules, projections) are documented without an answer schema yet.
      if (success === undefined) continue;
      const res = await call('GET', path.replace('{name}', first!.name));
      const check = documented(ref);
      expect([path, res.statusCode, check(res.json())], JSON.stringify(check.errors)).toEqual([path, 200, true]);
      checked.push(path);
    }
    // Answers with rows in them: a failed call is logged, every compiled-in function is listed.
    expect(((await call('GET', '/console/api/calls')).json() as { calls: unknown[] }).calls.length).toBeGreaterThan(0);
    expect(((await call('GET', '/console/api/functions')).json() as { functions: unknown[] }).functions.length).toBeGreaterThan(10);
    expect(checked.sort()).toEqual(
      ['session', 'overview', 'cluster', 'functions', 'calls', 'bundles', 'functions/{name}/history', 'functions/{name}/shadow-report'].map((p) => `/console/api/${p}`).sort(),
    );
  });
});

describe('GET /docs', () => {
  it('serves Swagger UI over the document, with its assets, without a token', async () => {
    const page = await service.app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain("url: '/openapi.json'");
    for (const asset of ['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js']) {
      const res = await service.app.inject({ method: 'GET', url: `/docs/${asset}` });
      expect([asset, res.statusCode, res.body.length > 1000]).toEqual([asset, 200, true]);
    }
    expect((await service.app.inject({ method: 'GET', url: '/docs/..%2Fpackage.json' })).statusCode).toBe(400);
  });
});
