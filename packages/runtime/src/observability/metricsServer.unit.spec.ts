import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { serveMetrics } from './metricsServer.js';

describe('the metrics port', () => {
  it('answers /health/live always and /health/ready with 503 until ready, then 200', async () => {
    let ready = false;
    const server = await serveMetrics(new Registry(), { port: 0, ready: () => ready });
    const get = (path: string) => fetch(`http://127.0.0.1:${server.port}${path}`).then(async (r) => [r.status, await r.text()] as const);
    try {
      expect(await get('/health/live')).toEqual([200, '{"status":"ok"}\n']);
      expect(await get('/health/ready')).toEqual([503, '{"status":"not ready"}\n']);
      ready = true;
      expect(await get('/health/ready')).toEqual([200, '{"status":"ready"}\n']);
      expect((await get('/metrics'))[0]).toBe(200);
      expect((await get('/nothing'))[0]).toBe(404);
    } finally {
      await server.close();
    }
  });
});
