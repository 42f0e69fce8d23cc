// A history check: 16 writers race on shared and own streams while subscribers and a paged reader follow; the checker proves what they were given.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { PrivatePostgres } from '../testing/privatePostgres.js';
import {
  checkHistory,
  pagedReader,
  readWholeLog,
  recordingSubscriber,
  runAppendWorkload,
  type AppendRecord,
  type Delivery,
} from '../testing/appendHistory.js';
import { createPostgresEventStore } from './sqlEventStore.js';

const url = process.env['LUCENT_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Bounded for CI; LUCENT_HISTORY_MS=600000 runs ten minutes. */
const durationMs = Number(process.env['LUCENT_HISTORY_MS'] ?? 8_000);
const schemas: string[] = [];

afterAll(async () => {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await c.end();
});

function summary(history: readonly AppendRecord[]): Record<AppendRecord['outcome'], number> {
  const counts = { acked: 0, failed: 0, rolledBack: 0, unknown: 0 };
  for (const r of history) counts[r.outcome]++;
  return counts;
}

describe('event store history check (PostgreSQL)', () => {
  it(`16 writers, random batches and expected versions, rollbacks: every reader gets every committed event once, in order (${durationMs} ms)`, async () => {
    const schema = `history_${randomBytes(4).toString('hex')}`;
    schemas.push(schema);
    const store = await createPostgresEventStore({ connectionString: url, schema, maxConnections: 20 });
    const follower = await createPostgresEventStore({ connectionString: url, schema, maxConnections: 4 });
    let running = true;
    try {
      // One subscriber in the writers' process (woken in-process), one in another store (woken by NOTIFY).
      const a = recordingSubscriber(store, 'subscriber-a', 7);
      const b = recordingSubscriber(follower, 'subscriber-b', 100);
      const paged = pagedReader(follower, 13, () => running);
      const history = await runAppendWorkload({
        store,
        connectionString: url,
        writers: 16,
        durationMs,
        sharedStreams: 4,
        rollbackShare: 0.1,
        unkeyedShare: 0.5,
      });
      running = false;
      const log = await readWholeLog(store);
      // The unkeyed single-event appends went through the group commit, in groups of two or more.
      expect(store.groups.groups).toBeGreaterThan(0);
      const head = log[log.length - 1]?.globalPosition ?? 0;
      await Promise.all([a.sub.waitFor(head, 20_000), b.sub.waitFor(head, 20_000)]);
      await Promise.all([a.sub.stop(), b.sub.stop()]);
      const deliveries: Delivery[] = [a.delivery, b.delivery, await paged];
      const counts = summary(history);
      expect(counts.acked).toBeGreaterThan(100);
      expect(counts.failed).toBeGreaterThan(0);
      expect(counts.rolledBack).toBeGreaterThan(0);
      expect(counts.unknown).toBe(0);
      expect(checkHistory(history, log, deliveries)).toEqual([]);
    } finally {
      running = false;
      await Promise.all([store.close(), follower.close()]);
    }
  }, durationMs + 60_000);

  it('PostgreSQL restarted during the run: no acknowledged event lost, subscribers resume from their checkpoints without duplicates', async () => {
    const server = await PrivatePostgres.create();
    const store = await createPostgresEventStore({ connectionString: server.url, schema: 'history', maxConnections: 20, connectTimeoutMs: 1_000 });
    const follower = await createPostgresEventStore({ connectionString: server.url, schema: 'history', maxConnections: 4, connectTimeoutMs: 1_000 });
    let running = true;
    try {
      const a = recordingSubscriber(store, 'subscriber-a', 7);
      const b1 = recordingSubscriber(follower, 'subscriber-b', 50);
      const paged = pagedReader(follower, 13, () => running);
      const workload = runAppendWorkload({
        store,
        connectionString: server.url,
        writers: 16,
        durationMs: 4_000,
        sharedStreams: 4,
        rollbackShare: 0.1,
      });
      await new Promise((r) => setTimeout(r, 1_500));
      await server.stop();
      await new Promise((r) => setTimeout(r, 500));
      await server.start();
      const history = await workload;
      running = false;
      // subscriber-b's process "restarts": a new subscription with the same id resumes from its checkpoint.
      await b1.sub.stop();
      const b2 = recordingSubscriber(follower, 'subscriber-b', 50);
      const log = await readWholeLog(store);
      const head = log[log.length - 1]?.globalPosition ?? 0;
      await Promise.all([a.sub.waitFor(head, 20_000), b2.sub.waitFor(head, 20_000)]);
      await Promise.all([a.sub.stop(), b2.sub.stop()]);
      const b: Delivery = { name: 'subscriber-b (two incarnations)', events: [...b1.delivery.events, ...b2.delivery.events] };
      const counts = summary(history);
      expect(counts.acked).toBeGreaterThan(20);
      expect(checkHistory(history, log, [a.delivery, b, await paged])).toEqual([]);
    } finally {
      running = false;
      await Promise.all([store.close(), follower.close()]);
      await server.destroy();
    }
  }, 90_000);
});
