// The service on a Redis Cluster from its environment (LUCENT_REDIS_URL with several seeds, or one with LUCENT_REDIS_CLUSTER=1): read models and rate limits live in the cluster.
import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrivateRedisCluster } from '../../../packages/redis/src/testing/privateRedisCluster.js';
import { createCryptoService, type CryptoService } from './app.js';
import { configFromEnv } from './config.js';

const tag = randomBytes(4).toString('hex');
let cluster: PrivateRedisCluster;

beforeAll(async () => {
  cluster = await PrivateRedisCluster.create();
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('configuration of Redis Cluster', () => {
  it('several URLs, or one with LUCENT_REDIS_CLUSTER=1, configure a cluster; a bad value stops the start naming the variable', () => {
    expect(configFromEnv({ LUCENT_REDIS_URL: 'redis://10.77.0.1:7000,redis://10.77.0.1:7001' })).toMatchObject({
      redisUrl: 'redis://10.77.0.1:7000,redis://10.77.0.1:7001',
      redisCluster: true,
    });
    expect(configFromEnv({ LUCENT_REDIS_URL: 'redis://10.77.0.1:7000', LUCENT_REDIS_CLUSTER: '1' })).toMatchObject({ redisCluster: true });
    expect(configFromEnv({ LUCENT_REDIS_URL: 'redis://127.0.0.1:6379' }).redisCluster).toBeUndefined();
    expect(() => configFromEnv({ LUCENT_REDIS_URL: '10.77.0.1:7000' })).toThrow(/LUCENT_REDIS_URL/);
    expect(() => configFromEnv({ LUCENT_REDIS_URL: 'redis://a:7000', LUCENT_REDIS_CLUSTER: 'yes please' })).toThrow(/LUCENT_REDIS_CLUSTER/);
  });
});

const setups: Record<string, () => NodeJS.ProcessEnv> = {
  'every seed in LUCENT_REDIS_URL': () => ({ LUCENT_REDIS_URL: cluster.urls.join(',') }),
  'one seed and LUCENT_REDIS_CLUSTER=1': () => ({ LUCENT_REDIS_URL: cluster.urls[2] as string, LUCENT_REDIS_CLUSTER: '1' }),
};

for (const [name, redisEnv] of Object.entries(setups)) {
  describe(`the service on Redis Cluster: ${name}`, () => {
    let service: CryptoService;
    const prefix = `lucent:test:svc-cluster:${tag}:${name.length}:`;
    const call = async (method: 'GET' | 'POST', url: string, payload?: unknown) => {
      const r = await service.app.inject({ method, url, payload: payload as string | object | undefined });
      return { status: r.statusCode, body: r.json() as Record<string, unknown> };
    };

    beforeAll(async () => {
      const env = { LUCENT_DATA_DIR: ':memory:', LUCENT_PRICE_CRON: 'off', LUCENT_REDIS_PREFIX: prefix, LUCENT_RATE_LIMIT_PER_USER: '*=1000/1', ...redisEnv() };
      service = await createCryptoService(configFromEnv(env), { logs: false });
    });

    afterAll(async () => {
      await service?.close();
    });

    it('a position opened over HTTP shows in the portfolio read from the cluster, and its keys are there', async () => {
      const owner = `carol-${tag}`;
      const opened = await call('POST', '/positions', { owner, pair: 'ETH-USD' });
      expect(opened.status).toBe(201);
      const deadline = Date.now() + 15_000;
      let portfolio: Record<string, unknown> = {};
      while (Date.now() < deadline) {
        portfolio = (await call('GET', `/portfolios/${owner}`)).body;
        if (portfolio['openPositions'] === 1) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(portfolio).toMatchObject({ openPositions: 1 });
      expect(service.infrastructure.description.projections).toBe('redis');

      const probe = new Cluster([{ host: cluster.host, port: cluster.nodes[0]?.port as number }]);
      try {
        await probe.ping();
        const keys = (await Promise.all(probe.nodes('master').map((n) => n.keys(`${prefix}*`)))).flat();
        expect(keys.some((k) => k.includes(':checkpoint'))).toBe(true);
      } finally {
        probe.disconnect();
      }
    });
  });
}
