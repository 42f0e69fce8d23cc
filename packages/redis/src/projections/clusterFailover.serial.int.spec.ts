// A projector on a private Redis Cluster rides out the SIGKILL of the master serving its slot, under a steady stream of appends: nothing lost, nothing applied twice.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectBatch, type ProjectedEvent } from '@lucent/core';
import { createPostgresEventStore, type SqlEventStore } from '@lucent/postgres';
import { Projector } from '@lucent/runtime';
import { totals, type Totals } from '../../fixtures/crashingProjector.js';
import { PrivateRedisCluster } from '../testing/privateRedisCluster.js';
import { RedisProjectionStore } from './redisProjectionStore.js';

const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
const tag = randomBytes(4).toString('hex');
const PG_SCHEMA = `lucent_cfail_${tag}`;
const prefix = `lucent:test:cfail:${tag}:`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('projector on Redis Cluster across a master failover (PostgreSQL + private Redis Cluster)', () => {
  let cluster: PrivateRedisCluster;
  let events: SqlEventStore;

  beforeAll(async () => {
    cluster = await PrivateRedisCluster.create({ nodeTimeoutMs: 1_000 });
    events = await createPostgresEventStore({ connectionString: PG_URL, schema: PG_SCHEMA });
  }, 60_000);

  afterAll(async () => {
    await events?.close();
    await cluster?.stop();
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${PG_SCHEMA} CASCADE`);
    await c.end();
  });

  it('SIGKILL of the slot master under 100 appends/s: the projector resumes on the promoted replica, views equal a fresh fold, checkpoint is the last position', async () => {
    const views = new RedisProjectionStore({ url: cluster.urls.join(','), prefix });
    const reader = new RedisProjectionStore({ url: cluster.urls.join(','), prefix, replicaWait: false });
    const errors: unknown[] = [];
    const projector = new Projector({ events, views, projection: totals, batchSize: 20, pollIntervalMs: 50, onError: (e) => errors.push(e) });
    await projector.start();

    // Steady stream: one event every 10 ms, at most 1,200 events and 20 s.
    const positions: number[] = [];
    let appending = true;
    const appendFailures: unknown[] = [];
    const appender = (async () => {
      const until = Date.now() + 20_000;
      for (let i = 1; appending && i <= 1_200 && Date.now() < until; i++) {
        try {
          positions.push((await events.append(`acct-${i % 5}`, [{ type: 'Added', data: { account: `a${i % 5}`, n: i } }])).lastGlobalPosition);
        } catch (error) {
          appendFailures.push(error);
        }
        await sleep(10);
      }
    })();

    await sleep(2_000);
    const slotKey = `${prefix}{totals}:g1:checkpoint`;
    const before = await cluster.masterOf(slotKey);
    const appendedBeforeKill = positions.length;
    const killedAt = performance.now();
    const killing = cluster.killMaster(slotKey);
    // Recovered: the checkpoint, read through the cluster, covers an event appended after the kill.
    const afterKill = positions[positions.length - 1] as number;
    let recoveryMs = Number.NaN;
    for (let i = 0; i < 600 && Number.isNaN(recoveryMs); i++) {
      await sleep(25);
      const seen = await reader.checkpoint('totals', 1).catch(() => 0);
      if (seen > afterKill && positions.some((p) => p > afterKill && p <= seen)) recoveryMs = performance.now() - killedAt;
    }
    const promotion = await killing;
    expect(promotion.killed.id).toBe(before.id);
    expect(promotion.promoted.id).not.toBe(before.id);
    expect(Number.isNaN(recoveryMs)).toBe(false);

    // Let the stream run on the promoted master for a while, then bring the old master back as its replica.
    await sleep(1_500);
    const restartedAt = performance.now();
    await cluster.restart(promotion.killed);
    const restartMs = performance.now() - restartedAt;
    await sleep(1_000);
    appending = false;
    await appender;

    const head = positions[positions.length - 1] as number;
    await projector.waitFor(head, 30_000);
    await projector.stop();

    const all = (await events.readAll({ maxCount: 10_000 })) as unknown as ProjectedEvent<Parameters<typeof totals.apply>[1]>[];
    expect(all.length).toBe(positions.length);
    const fresh = projectBatch(totals, new Map(), all);
    for (const [key, record] of fresh) {
      const stored = await reader.get<Totals>('totals', key);
      expect(stored).toEqual(record.view);
      expect(new Set(stored?.positions).size).toBe(stored?.count);
    }
    expect(await reader.checkpoint('totals', 1)).toBe(head);
    expect(appendFailures).toEqual([]);
    expect(errors).toEqual([]);

    console.log(
      `[redis-cluster failover] events ${positions.length} (${appendedBeforeKill} before the kill); ` +
        `promotion ${promotion.failoverMs.toFixed(0)} ms (cluster-node-timeout 1000 ms); ` +
        `projector recovery ${recoveryMs.toFixed(0)} ms from SIGKILL to a commit of an event appended after it; ` +
        `old master back as replica in ${restartMs.toFixed(0)} ms; commits no replica confirmed: ${views.unconfirmedCommits}`,
    );
    await reader.close();
    await views.close();
  }, 120_000);
});
