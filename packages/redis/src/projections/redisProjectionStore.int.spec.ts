// The Redis projection store passes the shared contract suite; each run uses its own key prefix.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { projectionStoreContract } from '../../../runtime/src/projections/projectionStoreContract.js';
import { RedisProjectionStore } from './redisProjectionStore.js';

const prefix = `lucent:test:proj:${randomBytes(5).toString('hex')}:`;

afterAll(async () => {
  const redis = new Redis({ host: '127.0.0.1', port: 6379 });
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
});

projectionStoreContract('redis', () => Promise.resolve(new RedisProjectionStore({ prefix })));
