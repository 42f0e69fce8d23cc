// GET /metrics on the service: Prometheus text with the function, event store, projection, saga, timer and registry series, counted exactly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCryptoService, type CryptoService } from './app.js';
import { configFromEnv } from './config.js';
import { sample } from '../../../test/support/prometheusSample.js';

let service: CryptoService;

beforeAll(async () => {
  service = await createCryptoService(configFromEnv({ LUCENT_DATA_DIR: ':memory:', LUCENT_PRICE_CRON: 'off' }), { logs: false });
}, 60_000);

afterAll(async () => {
  await service?.close();
});


const scrape = async () => {
  const res = await service.app.inject({ method: 'GET', url: '/metrics' });
  return { status: res.statusCode, type: res.headers['content-type'], text: res.body };
};

describe('GET /metrics', () => {
  it('counts every call by function, version and outcome, and reports the stores, projection, sagas and timers', async () => {
    const fn = 'yield.aprToApy';
    const version = service.functions.lookup(fn).version;
    for (let i = 0; i < 3; i++) {
      const ok = await service.app.inject({ method: 'POST', url: `/functions/${fn}`, payload: { apr: 0.1 + i / 100, compoundsPerYear: 12 } });
      expect(ok.statusCode).toBe(200);
    }
    for (let i = 0; i < 2; i++) {
      const bad = await service.app.inject({ method: 'POST', url: `/functions/${fn}`, payload: { apr: 'high', compoundsPerYear: 12 } });
      expect(bad.statusCode).toBe(400);
    }
    const opened = await service.app.inject({ method: 'POST', url: '/positions', payload: { positionId: 'metrics-1', owner: 'mia', pair: 'ETH-USD' } });
    expect(opened.statusCode).toBeLessThan(300);
    await service.portfolio.projector.waitFor((service.infrastructure.events as { head?: number }).head ?? 0, 10_000);

    const { status, type, text } = await scrape();
    expect(status).toBe(200);
    expect(type).toBe('text/plain; version=0.0.4; charset=utf-8');
    const labels = { function: fn, version, shard: 'local' };
    expect(sample(text, 'lucent_function_calls_total', { ...labels, outcome: 'ok' })).toBe(3);
    expect(sample(text, 'lucent_function_calls_total', { ...labels, outcome: 'error' })).toBe(2);
    expect(sample(text, 'lucent_function_duration_seconds_count', { ...labels, outcome: 'ok' })).toBe(3);
    expect(sample(text, 'lucent_function_duration_seconds_count', { ...labels, outcome: 'error' })).toBe(2);
    expect(sample(text, 'lucent_function_in_flight', labels)).toBe(0);

    expect(sample(text, 'lucent_event_store_append_duration_seconds_count', { outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    const head = sample(text, 'lucent_event_store_head_position');
    expect(head).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'lucent_projection_checkpoint', { projection: service.portfolio.projector.name })).toBe(head);
    expect(sample(text, 'lucent_projection_lag_events', { projection: service.portfolio.projector.name })).toBe(0);
    // The service arms its cron jobs at start: pending timers are counted by kind.
    expect(sample(text, 'lucent_timers_armed', { kind: 'cron' })).toBeGreaterThanOrEqual(1);
    expect(text).toContain('# TYPE lucent_sagas_open gauge');
    expect(text).toContain('# TYPE lucent_timer_firing_lag_seconds histogram');
    expect(text).toContain('# TYPE lucent_registry_revision gauge');
    expect(text).toContain('# TYPE lucent_breaker_state gauge');
    // prom-client's process series come along.
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);

    // The scrape itself is not a function call: the counters stand still.
    const again = await scrape();
    expect(sample(again.text, 'lucent_function_calls_total', { ...labels, outcome: 'ok' })).toBe(3);
  }, 60_000);

  it('is in the OpenAPI document as a public route', async () => {
    const doc = (await service.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, { get?: { security?: unknown[] } }> };
    expect(doc.paths['/metrics']?.get).toBeDefined();
  });
});
