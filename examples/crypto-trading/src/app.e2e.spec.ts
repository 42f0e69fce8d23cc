// The example service over HTTP: every registered function answers; bad input is a 400 naming the field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCryptoService, type CryptoService } from './app.js';
import { configFromEnv } from './config.js';
import { sampleInputs } from './domain/samples.js';
import { functionRegistry } from './registry/functionRegistry.js';

let service: CryptoService;

async function post(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await service.app.inject({ method: 'POST', url, payload: body as Record<string, unknown> });
  return { status: res.statusCode, json: res.json() as Record<string, unknown> };
}

beforeAll(async () => {
  service = await createCryptoService(configFromEnv({ LUCENT_DATA_DIR: ':memory:' }), { logs: false });
});

afterAll(async () => {
  await service?.close();
});

describe('crypto trading service over HTTP', () => {
  it('lists every generated function', async () => {
    const res = await service.app.inject({ method: 'GET', url: '/functions' });
    const names = (res.json() as { name: string }[]).map((f) => f.name).sort();
    expect(names).toEqual(Object.keys(functionRegistry).sort());
  });

  it('POST /functions/risk.healthFactor returns the computed result', async () => {
    const { status, json } = await post('/functions/risk.healthFactor', sampleInputs['risk.healthFactor']);
    expect(status).toBe(200);
    expect(json).toMatchObject({ output: { healthFactor: expect.any(Number) }, events: expect.any(Array) });
  });

  it.each(Object.keys(functionRegistry))('%s answers its sample input', async (name) => {
    expect(sampleInputs[name], `a sample input for ${name}`).toBeDefined();
    const { status } = await post(`/functions/${name}`, sampleInputs[name]);
    expect(status).toBe(200);
  });

  it('answers bad input with 400, the code and the failing field', async () => {
    const { status, json } = await post('/functions/risk.healthFactor', { collateral: 'lots' });
    expect(status).toBe(400);
    expect(json['code']).toBe('VALIDATION_FAILED');
    const issues = (json['details'] as { issues: { path: string }[] }).issues;
    expect(issues.map((i) => i.path)).toContain('collateral');
  });

  it('answers an unknown function with 404', async () => {
    const { status, json } = await post('/functions/risk.nothingHere', {});
    expect(status).toBe(404);
    expect(json['code']).toBe('FUNCTION_NOT_FOUND');
  });
});
