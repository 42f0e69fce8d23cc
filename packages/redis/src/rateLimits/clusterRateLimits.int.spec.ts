// Rate limits counted on a private Redis Cluster: two clients on the seed list share one budget, counted in the cluster (not the in-memory insurance).
import { randomUUID } from 'node:crypto';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LucentError } from '@lucent/core';
import { PrivateRedisCluster } from '../testing/privateRedisCluster.js';
import { openRedisRateLimits } from './redisRateLimits.js';

let cluster: PrivateRedisCluster;

beforeAll(async () => {
  cluster = await PrivateRedisCluster.create();
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('openRedisRateLimits on Redis Cluster', () => {
  it('two processes on the comma-separated seeds spend one budget of 5 per minute between them, and the count is in the cluster', async () => {
    const keyPrefix = `lucent:rl:test:${randomUUID()}`;
    const limits = { perUser: { openPosition: { points: 5, perSeconds: 60 } } };
    const a = openRedisRateLimits({ url: cluster.urls.join(','), keyPrefix, limits });
    // One seed and the flag: the same cluster.
    const b = openRedisRateLimits({ url: cluster.urls[3] as string, cluster: true, keyPrefix, limits });
    try {
      const outcomes: string[] = [];
      for (let i = 0; i < 8; i++) {
        try {
          await (i % 2 === 0 ? a : b).limits.consume('openPosition', 'alice');
          outcomes.push('ok');
        } catch (error) {
          outcomes.push((error as LucentError).code);
        }
      }
      expect(outcomes).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED']);
      const probe = new Cluster([{ host: cluster.host, port: cluster.nodes[0]?.port as number }]);
      try {
        // Queued until the client has the slot map, so nodes('master') lists the masters.
        await probe.ping();
        const counted = await Promise.all(probe.nodes('master').map((n) => n.keys(`${keyPrefix}*`)));
        const keys = counted.flat();
        expect(keys.length).toBeGreaterThan(0);
        expect(Number(await probe.get(keys[0] as string))).toBeGreaterThanOrEqual(5);
      } finally {
        probe.disconnect();
      }
    } finally {
      await a.close();
      await b.close();
    }
  });
});
