// The service's OpenAPI document: every route it serves is in it, it passes two independent validators, and /docs renders it.
import { validate as readmeValidate } from '@readme/openapi-parser';
import { Validator } from '@seriousme/openapi-schema-validator';
import { servedRoutes } from '@lucent/nestjs';
import { afterAll, describe, expect, it } from 'vitest';
import { createCryptoService } from './app.js';
import { configFromEnv } from './config.js';

const service = await createCryptoService(
  configFromEnv({ LUCENT_DATA_DIR: ':memory:', LUCENT_PRICE_CRON: 'off', LUCENT_AUTH_SECRET: 'openapi-spec-secret-long-enough-for-hs256' }),
  { logs: false },
);
afterAll(() => service.close());

const doc = (await service.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };

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

  it('is valid OpenAPI 3.1 for two independent validators', async () => {
    const copy = (): Record<string, unknown> => JSON.parse(JSON.stringify(doc)) as Record<string, unknown>;
    const readme = await readmeValidate(copy() as never);
    expect(readme.valid ? [] : readme.errors).toEqual([]);
    const validator = new Validator();
    const result = await validator.validate(copy());
    expect(result.valid ? [] : result.errors).toEqual([]);
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
