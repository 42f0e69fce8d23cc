// A projector process that dies between (or inside) batches and restarts leaves Redis equal to a fresh fold: nothing applied twice.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectBatch, type ProjectedEvent } from '@lucent/core';
import { createPostgresEventStore, type SqlEventStore } from '@lucent/postgres';
import { totals, type Totals } from '../../fixtures/crashingProjector.js';
import { RedisProjectionStore } from './redisProjectionStore.js';

const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = 'redis://127.0.0.1:6379';
const tag = randomBytes(4).toString('hex');
const PG_SCHEMA = `lucent_crash_${tag}`;
const REDIS_PREFIX = `lucent:test:crash:${tag}:`;
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const fixture = fileURLToPath(new URL('../../fixtures/crashingProjector.ts', import.meta.url));

function runProjector(env: Record<string, string>): number | null {
  const r = spawnSync('npx', ['vite-node', '--config', 'vitest.config.ts', fixture], {
    cwd: root,
    env: { ...process.env, LUCENT_CRASH_CHILD: '1', PG_URL, PG_SCHEMA, REDIS_URL, REDIS_PREFIX, ...env },
    timeout: 120_000,
    encoding: 'utf8',
  });
  if (r.status !== 0 && r.status !== 3 && r.status !== 4) throw new Error(`projector child failed (${r.status}): ${r.stderr}`);
  return r.status;
}

describe('projector crash and restart (child process, PostgreSQL + Redis)', () => {
  let events: SqlEventStore;
  let views: RedisProjectionStore;

  beforeAll(async () => {
    events = await createPostgresEventStore({ connectionString: PG_URL, schema: PG_SCHEMA });
    views = new RedisProjectionStore({ url: REDIS_URL, prefix: REDIS_PREFIX });
  });

  afterAll(async () => {
    await views.dropGeneration('totals', 1);
    await views.redis.del(`${REDIS_PREFIX}{totals}:active`);
    await views.close();
    await events.close();
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${PG_SCHEMA} CASCADE`);
    await c.end();
    const r = new Redis(REDIS_URL);
    const left = await r.keys(`${REDIS_PREFIX}*`);
    if (left.length > 0) await r.unlink(...left);
    await r.quit();
  });

  it('killed after commit 3, killed inside batch 2 of the next run, then run to the end: view equals a fresh fold', async () => {
    // Positions increase but are not consecutive (migration 5), so the test keeps each one.
    const positions: number[] = [];
    for (let i = 1; i <= 97; i++) {
      positions.push((await events.append(`acct-${i % 4}`, [{ type: 'Added', data: { account: `a${i % 4}`, n: i } }])).lastGlobalPosition);
    }
    const head = positions[96] as number;
    expect(runProjector({ EXIT_AFTER_COMMITS: '3', HEAD: String(head) })).toBe(3);
    expect(await views.checkpoint('totals', 1)).toBe(positions[29]);
    expect(runProjector({ EXIT_BEFORE_COMMIT: '2', HEAD: String(head) })).toBe(4);
    expect(await views.checkpoint('totals', 1)).toBe(positions[39]);
    expect(runProjector({ HEAD: String(head) })).toBe(0);
    expect(await views.checkpoint('totals', 1)).toBe(head);

    const all = (await events.readAll({ maxCount: 1000 })) as unknown as ProjectedEvent<Parameters<typeof totals.apply>[1]>[];
    const fresh = projectBatch(totals, new Map(), all);
    expect(fresh.size).toBe(4);
    for (const [key, record] of fresh) {
      const stored = await views.get<Totals>('totals', key);
      expect(stored).toEqual(record.view);
      expect(new Set(stored?.positions).size).toBe(stored?.count);
    }
  }, 180_000);
});
