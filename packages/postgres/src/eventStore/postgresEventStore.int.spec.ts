// The PostgreSQL event store passes the shared contract, migrates safely, and keeps a gap-safe global order.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ConcurrencyError } from '@lucent/core';
import type { StoredEvent } from '@lucent/runtime';
import { eventStoreContract } from '../../../runtime/src/eventStore/eventStoreContract.js';
import { runMigrations } from '../migrations/runMigrations.js';
import { eventStoreMigrations, migrateEventStore } from './migrations.js';
import { PgSqlClient } from './sqlClient.js';
import { createPostgresEventStore, type SqlEventStore } from './sqlEventStore.js';

const url = process.env['LUCENT_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const schemas: string[] = [];
const newSchema = (): string => {
  const s = `lucent_es_${randomBytes(5).toString('hex')}`;
  schemas.push(s);
  return s;
};

afterAll(async () => {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await c.end();
});

eventStoreContract('postgres', () => createPostgresEventStore({ connectionString: url, schema: newSchema() }));

describe('PostgreSQL event store', () => {
  it('migrates once even when several processes start at the same moment', async () => {
    const schema = newSchema();
    const clients = Array.from({ length: 4 }, () => new PgSqlClient({ connectionString: url, max: 2 }));
    try {
      const applied = await Promise.all(clients.map((c) => migrateEventStore(c, schema)));
      expect(applied.flat()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(await migrateEventStore(clients[0] as PgSqlClient, schema)).toEqual([]);
      const { rows } = await (clients[0] as PgSqlClient).query<{ version: number }>(
        `SELECT version FROM ${schema}.lucent_event_store_migrations`,
      );
      expect(rows.map((r) => r.version).sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  it('upgrades a version-1 schema in place: streams keep their versions and conflicts are still caught', async () => {
    const schema = newSchema();
    const client = new PgSqlClient({ connectionString: url, max: 2 });
    try {
      // A store as the first release left it: only step 1 applied, appends through its function.
      await runMigrations(client, {
        schema,
        table: 'lucent_event_store_migrations',
        lockKey: `lucent.event_store.${schema}`,
        migrations: eventStoreMigrations.slice(0, 1),
      });
      const old = `SELECT * FROM ${schema}.lucent_append($1, $2, $3::jsonb, NULL)`;
      const one = (id: string): string => JSON.stringify([{ id, type: 'Opened', data: {}, metadata: {} }]);
      await client.query(old, ['acct-1', 'noStream', one('8f6d7a52-3a0e-4c53-9d9a-2f4a4c1f0a01')]);
      await client.query(old, ['acct-1', '1', one('8f6d7a52-3a0e-4c53-9d9a-2f4a4c1f0a02')]);
    } finally {
      await client.close();
    }
    const store = await createPostgresEventStore({ connectionString: url, schema });
    try {
      expect(await store.streamVersion('acct-1')).toBe(2);
      await expect(store.append('acct-1', [{ type: 'Deposited', data: {} }], { expectedVersion: 1 })).rejects.toMatchObject({
        code: 'VERSION_CONFLICT',
      });
      const single = await store.append('acct-1', [{ type: 'Deposited', data: {} }], { expectedVersion: 2 });
      expect(single).toMatchObject({ nextVersion: 3, duplicate: false });
      const batch = await store.append('acct-1', [{ type: 'A', data: {} }, { type: 'B', data: {} }], { expectedVersion: 3 });
      expect(batch).toMatchObject({ nextVersion: 5, duplicate: false });
      expect(batch.lastGlobalPosition).toBeGreaterThan(single.lastGlobalPosition + 1);
      // Old positions stay; new ones (migration 5: per transaction id) continue above them, in order.
      const stored = await store.readStream('acct-1');
      expect(stored.map((e) => [e.streamVersion, e.type])).toEqual([
        [1, 'Opened'],
        [2, 'Opened'],
        [3, 'Deposited'],
        [4, 'A'],
        [5, 'B'],
      ]);
      expect(stored.slice(0, 2).map((e) => e.globalPosition)).toEqual([1, 2]);
      expect(stored.map((e) => e.globalPosition)).toEqual([...stored.map((e) => e.globalPosition)].sort((a, b) => a - b));
      expect((await store.readAll({ maxCount: 10 })).map((e) => e.type)).toEqual(['Opened', 'Opened', 'Deposited', 'A', 'B']);
    } finally {
      await store.close();
    }
  });

  it('upgrades a version-3 schema that holds repeated event ids and keys without fingerprints (migration 4)', async () => {
    const schema = newSchema();
    const client = new PgSqlClient({ connectionString: url, max: 2 });
    const repeated = '8f6d7a52-3a0e-4c53-9d9a-2f4a4c1f0b01';
    try {
      await runMigrations(client, {
        schema,
        table: 'lucent_event_store_migrations',
        lockKey: `lucent.event_store.${schema}`,
        migrations: eventStoreMigrations.slice(0, 3),
      });
      // What the old functions allowed: a retried batch stored the same id twice; a key kept no fingerprint.
      const old = `SELECT * FROM ${schema}.lucent_append($1, 'any', $2::jsonb, $3)`;
      const batch = (n: number): string => JSON.stringify([{ id: repeated, type: 'Opened', data: { n }, metadata: {} }]);
      await client.query(old, ['acct-1', batch(1), null]);
      await client.query(old, ['acct-1', batch(2), null]);
      await client.query(old, ['acct-1', batch(3), 'legacy-key']);
    } finally {
      await client.close();
    }
    const store = await createPostgresEventStore({ connectionString: url, schema });
    try {
      // The log is untouched: all three copies stay.
      expect((await store.readStream('acct-1')).map((e) => [e.id, e.streamVersion])).toEqual([
        [repeated, 1],
        [repeated, 2],
        [repeated, 3],
      ]);
      await expect(store.append('acct-1', [{ id: repeated, type: 'Opened', data: {} }])).rejects.toMatchObject({
        code: 'DUPLICATE_EVENT_ID',
        details: { stream: 'acct-1', eventId: repeated },
      });
      expect(await store.append('acct-2', [{ id: repeated, type: 'Opened', data: {} }])).toMatchObject({ nextVersion: 1 });
      // A key stored without a fingerprint is compared by stream only.
      expect(await store.append('acct-1', [{ type: 'Other', data: {} }], { idempotencyKey: 'legacy-key' })).toEqual({
        nextVersion: 3,
        lastGlobalPosition: 3,
        duplicate: true,
      });
      await expect(store.append('acct-2', [{ type: 'Other', data: {} }], { idempotencyKey: 'legacy-key' })).rejects.toMatchObject({
        code: 'IDEMPOTENCY_KEY_REUSED',
        details: { key: 'legacy-key', stream: 'acct-1' },
      });
      // A process still on the old signatures (no fingerprint argument) keeps working.
      const { rows } = await (store as unknown as { client: PgSqlClient }).client.query<{ next_version: string }>(
        `SELECT next_version FROM ${schema}.lucent_append('acct-1', '3', $1::jsonb, NULL)`,
        [JSON.stringify([{ id: crypto.randomUUID(), type: 'A', data: {}, metadata: {} }])],
      );
      expect(Number(rows[0]?.next_version)).toBe(4);
      expect(await store.streamVersion('acct-1')).toBe(4);
      // The later copies are left out of the index by position, as are ids in the generated range.
      const index = await (store as unknown as { client: PgSqlClient }).client.query<{ indexdef: string }>(
        `SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = 'lucent_events_stream_event_id'`,
        [schema],
      );
      expect(index.rows[0]?.indexdef).toMatch(/UNIQUE INDEX .*\(stream_id, event_id\) WHERE .*4c556365-6e74-8000-0000-000000000000.*4c556365-6e74-8fff-ffff-ffffffffffff.*global_position <> ALL .*2.*3/);
    } finally {
      await store.close();
    }
  });

  it('two appends racing with one new key and the same event ids: one writes, the other gets its result', async () => {
    const schema = newSchema();
    const a = await createPostgresEventStore({ connectionString: url, schema, maxConnections: 1 });
    const b = await createPostgresEventStore({ connectionString: url, schema, maxConnections: 1 });
    try {
      for (let round = 0; round < 20; round++) {
        const events = [1, 2].map((n) => ({ id: crypto.randomUUID(), type: 'Paid', data: { n } }));
        const key = `pay-${round}`;
        const results = await Promise.all([a.append('race', events, { idempotencyKey: key }), b.append('race', events, { idempotencyKey: key })]);
        expect(results.filter((r) => r.duplicate)).toHaveLength(1);
        expect(results[0]?.lastGlobalPosition).toBe(results[1]?.lastGlobalPosition);
      }
      expect(await a.streamVersion('race')).toBe(40);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('8 concurrent writers × 500 events with retries: exactly 4,000 events, versions 1..4,000', async () => {
    const writers = await Promise.all(
      Array.from({ length: 8 }, async (_, i) =>
        i === 0 ? createPostgresEventStore({ connectionString: url, schema: newSchema(), maxConnections: 1 }) : undefined,
      ),
    );
    const store = writers[0] as SqlEventStore;
    const schema = store.schema;
    const others = await Promise.all(
      Array.from({ length: 7 }, () => createPostgresEventStore({ connectionString: url, schema, maxConnections: 1 })),
    );
    const all = [store, ...others];
    const stream = 'contended';
    let conflicts = 0;
    try {
      await Promise.all(
        all.map(async (w, writer) => {
          for (let n = 0; n < 500; n++) {
            for (;;) {
              const version = await w.streamVersion(stream);
              try {
                await w.append(stream, [{ type: 'Wrote', data: { writer, n } }], { expectedVersion: version });
                break;
              } catch (error) {
                if (!(error instanceof ConcurrencyError)) throw error;
                conflicts++;
              }
            }
          }
        }),
      );
      const events = await store.readStream(stream);
      expect(events).toHaveLength(4000);
      expect(events.map((e) => e.streamVersion)).toEqual(Array.from({ length: 4000 }, (_, i) => i + 1));
      for (let writer = 0; writer < 8; writer++) {
        const mine = events.filter((e) => (e.data as { writer: number }).writer === writer);
        expect(mine.map((e) => (e.data as { n: number }).n)).toEqual(Array.from({ length: 500 }, (_, i) => i));
      }
      const read = await store.readAll({ maxCount: 5000 });
      expect(read.map((e) => e.streamVersion)).toEqual(Array.from({ length: 4000 }, (_, i) => i + 1));
      const positions = read.map((e) => e.globalPosition);
      expect(positions.every((p, i) => i === 0 || p > (positions[i - 1] as number))).toBe(true);
      expect(conflicts).toBeGreaterThan(0);
    } finally {
      await Promise.all(others.map((o) => o.close()));
      await store.close();
    }
  }, 180_000);

  it('concurrent batches on different streams each take a run of consecutive positions', async () => {
    const schema = newSchema();
    const writers = [await createPostgresEventStore({ connectionString: url, schema, maxConnections: 1 })];
    writers.push(...(await Promise.all(Array.from({ length: 3 }, () => createPostgresEventStore({ connectionString: url, schema, maxConnections: 1 })))));
    try {
      const results = await Promise.all(
        writers.map(async (w, writer) => {
          const mine = [];
          for (let n = 0; n < 50; n++) {
            const events = [1, 2, 3].map((k) => ({ type: 'Batch', data: { writer, n, k } }));
            mine.push(await w.append(`batch-${writer}`, events));
          }
          return mine;
        }),
      );
      const all = await writers[0]!.readAll({ maxCount: 1000 });
      expect(all).toHaveLength(600);
      expect(new Set(all.map((e) => e.globalPosition)).size).toBe(600);
      for (const r of results.flat()) {
        const run = all.filter((e) => e.globalPosition > r.lastGlobalPosition - 3 && e.globalPosition <= r.lastGlobalPosition);
        expect(new Set(run.map((e) => e.stream)).size).toBe(1);
        expect(run.map((e) => (e.data as { k: number }).k)).toEqual([1, 2, 3]);
      }
    } finally {
      await Promise.all(writers.map((w) => w.close()));
    }
  }, 60_000);

  it('interleaved transactions: a subscriber sees both, in order, never one without the other before it', async () => {
    const store = await createPostgresEventStore({ connectionString: url, schema: newSchema() });
    const t1 = new pg.Client({ connectionString: url });
    const t2 = new pg.Client({ connectionString: url });
    await Promise.all([t1.connect(), t2.connect()]);
    const seen: StoredEvent[] = [];
    const sub = store.subscribe({ pollIntervalMs: 20, handler: (events) => void seen.push(...events) });
    const call = `SELECT last_position FROM ${store.schema}.lucent_append($1, 'any', $2::jsonb, NULL)`;
    const payload = (n: number): string =>
      JSON.stringify([{ id: crypto.randomUUID(), type: 'Step', data: { n }, metadata: {} }]);
    try {
      await t1.query('BEGIN');
      const first = await t1.query(call, ['a', payload(1)]);
      await t2.query('BEGIN');
      // Appends to different streams no longer wait for each other's commit (migration 5)...
      const r2 = await t2.query(call, ['b', payload(2)]);
      const [p1, p2] = [Number(first.rows[0].last_position), Number(r2.rows[0].last_position)];
      expect(p2).toBeGreaterThan(p1);
      await t2.query('COMMIT');
      // ...but the later one, committed, stays out of reach while the earlier one may still commit.
      await new Promise((r) => setTimeout(r, 200));
      expect(await store.readAll()).toEqual([]);
      expect(seen).toEqual([]);
      await t1.query('COMMIT');
      await sub.waitFor(p2);
      expect(seen.map((e) => [e.globalPosition, e.stream])).toEqual([
        [p1, 'a'],
        [p2, 'b'],
      ]);
    } finally {
      await sub.stop();
      await Promise.all([t1.end(), t2.end()]);
      await store.close();
    }
  });

  it('a rolled-back append leaves a hole that readers and subscribers pass over', async () => {
    const store = await createPostgresEventStore({ connectionString: url, schema: newSchema() });
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const seen: [number, string][] = [];
    const sub = store.subscribe({ pollIntervalMs: 20, handler: (events) => void seen.push(...events.map((e) => [e.globalPosition, e.type] as [number, string])) });
    try {
      const before = await store.append('x', [{ type: 'A', data: {} }]);
      await c.query('BEGIN');
      const taken = await c.query(`SELECT last_position FROM ${store.schema}.lucent_append('y', 'any', $1::jsonb, NULL)`, [
        JSON.stringify([{ id: crypto.randomUUID(), type: 'B', data: {}, metadata: {} }]),
      ]);
      const hole = Number(taken.rows[0].last_position);
      expect(hole).toBeGreaterThan(before.lastGlobalPosition);
      await c.query('ROLLBACK');
      const after = await store.append('x', [{ type: 'C', data: {} }]);
      expect(after.lastGlobalPosition).toBeGreaterThan(hole);
      expect((await store.readAll()).map((e) => [e.globalPosition, e.type])).toEqual([
        [before.lastGlobalPosition, 'A'],
        [after.lastGlobalPosition, 'C'],
      ]);
      await sub.waitFor(after.lastGlobalPosition);
      expect(seen).toEqual([
        [before.lastGlobalPosition, 'A'],
        [after.lastGlobalPosition, 'C'],
      ]);
      expect(await store.streamVersion('y')).toBe(0);
    } finally {
      await sub.stop();
      await c.end();
      await store.close();
    }
  });

  it('wakes a subscriber of another process through the notice sent after the commit, well before the poll interval', async () => {
    const schema = newSchema();
    const store = await createPostgresEventStore({ connectionString: url, schema });
    const writer = await createPostgresEventStore({ connectionString: url, schema });
    const seen: number[] = [];
    const sub = store.subscribe({ pollIntervalMs: 60_000, handler: (events) => void seen.push(...events.map((e) => e.globalPosition)) });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const started = Date.now();
      const r = await writer.append('live', [{ type: 'Tick', data: {} }]);
      await sub.waitFor(r.lastGlobalPosition, 5_000);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(seen).toEqual([r.lastGlobalPosition]);
    } finally {
      await sub.stop();
      await Promise.all([store.close(), writer.close()]);
    }
  });

  it('a writer that found no listener elsewhere skips the notice; a process that starts listening meanwhile still sees the next event at once', async () => {
    const schema = newSchema();
    const writer = await createPostgresEventStore({ connectionString: url, schema });
    const reader = await createPostgresEventStore({ connectionString: url, schema });
    try {
      // The writer checks for listeners elsewhere and finds none: its next appends send no notice.
      await writer.append('live', [{ type: 'Tick', data: {} }]);
      await new Promise((r) => setTimeout(r, 20));
      const seen: number[] = [];
      const sub = reader.subscribe({ pollIntervalMs: 60_000, handler: (events) => void seen.push(...events.map((e) => e.globalPosition)) });
      try {
        const first = (await reader.readAll())[0]?.globalPosition ?? 0;
        await sub.waitFor(first, 5_000);
        // Within the writer's trust of "nobody listens" (200 ms): no notice, but the new listener looks by itself.
        const started = Date.now();
        const r = await writer.append('live', [{ type: 'Tick', data: {} }]);
        await sub.waitFor(r.lastGlobalPosition, 5_000);
        expect(Date.now() - started).toBeLessThan(1_000);
        // Once the writer has seen the listener, a later event is noticed as before (well before the 60 s poll).
        await new Promise((r2) => setTimeout(r2, 600));
        const later = await writer.append('live', [{ type: 'Tick', data: {} }]);
        const at = Date.now();
        await sub.waitFor(later.lastGlobalPosition, 5_000);
        expect(Date.now() - at).toBeLessThan(1_000);
        expect(seen).toEqual([first, r.lastGlobalPosition, later.lastGlobalPosition]);
      } finally {
        await sub.stop();
      }
    } finally {
      await Promise.all([writer.close(), reader.close()]);
    }
  });

  it('64 concurrent writers through one store of 16 connections hold at most its pool plus one LISTEN connection', async () => {
    const app = `lucent_bounded_${randomBytes(3).toString('hex')}`;
    const store = await createPostgresEventStore({ connectionString: `${url}?application_name=${app}`, schema: newSchema(), maxConnections: 16, connectTimeoutMs: 10_000 });
    const watcher = new pg.Client({ connectionString: url });
    await watcher.connect();
    const subs = [1, 2].map(() => store.subscribe({ pollIntervalMs: 100, handler: () => undefined }));
    let most = 0;
    let running = true;
    const sample = (async () => {
      while (running) {
        const { rows } = await watcher.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [app]);
        most = Math.max(most, rows[0].n as number);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      const results = await Promise.all(
        Array.from({ length: 64 }, async (_, w) => {
          let last = 0;
          for (let n = 0; n < 20; n++) last = (await store.append(`writer-${w}`, [{ type: 'Wrote', data: { n } }])).lastGlobalPosition;
          return last;
        }),
      );
      await Promise.all(subs.map((s) => s.waitFor(Math.max(...results), 10_000)));
      expect(await store.streamVersion('writer-63')).toBe(20);
      // The pool (16) plus the one LISTEN connection all of a store's subscriptions share.
      expect(most).toBeGreaterThan(1);
      expect(most).toBeLessThanOrEqual(17);
    } finally {
      running = false;
      await sample;
      await Promise.all(subs.map((s) => s.stop()));
      await watcher.end();
      await store.close();
    }
  }, 60_000);

  it('refuses with serialization_failure an append that would land below its stream\'s last event (a transaction that wrote first)', async () => {
    const store = await createPostgresEventStore({ connectionString: url, schema: newSchema() });
    const t = new pg.Client({ connectionString: url });
    await t.connect();
    try {
      await t.query('BEGIN');
      // The transaction writes first, so its id (and its positions) are older than the append below.
      await t.query(`INSERT INTO ${store.schema}.lucent_checkpoints (subscriber_id, position) VALUES ('early', 0)`);
      await store.append('s', [{ type: 'A', data: {} }]);
      await expect(
        t.query(`SELECT * FROM ${store.schema}.lucent_append('s', 'any', $1::jsonb, NULL)`, [
          JSON.stringify([{ id: crypto.randomUUID(), type: 'B', data: {}, metadata: {} }]),
        ]),
      ).rejects.toMatchObject({ code: '40001' });
      await t.query('ROLLBACK');
      expect((await store.readStream('s')).map((e) => e.type)).toEqual(['A']);
    } finally {
      await t.end();
      await store.close();
    }
  });

  it('a single-event append waits for a writer that holds its stream\'s lock and lands after it; an exact version then sees that writer\'s event', async () => {
    const store = await createPostgresEventStore({ connectionString: url, schema: newSchema() });
    const t = new pg.Client({ connectionString: url });
    await t.connect();
    try {
      await store.append('s', [{ type: 'A', data: {} }]);
      await t.query('BEGIN');
      // Another writer of the stream, mid-transaction: it holds the stream lock until it commits.
      const { rows } = await t.query(`SELECT ${store.schema}.lucent_append_one('s', 'any', $1, 'B', '{}', '{}', NULL) AS r`, [crypto.randomUUID()]);
      const held = (rows[0] as { r: string[] }).r;
      let settled = false;
      const waiting = store.append('s', [{ type: 'C', data: {} }]).finally(() => (settled = true));
      await new Promise((r) => setTimeout(r, 200));
      // The one-statement append found the lock taken, wrote nothing, and the function waits for it.
      expect(settled).toBe(false);
      await t.query('COMMIT');
      const c = await waiting;
      expect(c.nextVersion).toBe(3);
      expect(c.lastGlobalPosition).toBeGreaterThan(Number(held[1]));
      // Exact versions take the same one-statement path: the current one writes, a stale one is refused with the current version.
      await expect(store.append('s', [{ type: 'D', data: {} }], { expectedVersion: 3 })).resolves.toMatchObject({ nextVersion: 4 });
      await expect(store.append('s', [{ type: 'E', data: {} }], { expectedVersion: 3 })).rejects.toMatchObject({ code: 'VERSION_CONFLICT', details: { actual: 4 } });
      expect((await store.readStream('s')).map((e) => `${e.type}${e.streamVersion}`)).toEqual(['A1', 'B2', 'C3', 'D4']);
    } finally {
      await t.end();
      await store.close();
    }
  });

  it('sends no NOTIFY inside an append: the append functions hold no notification queue lock', async () => {
    const store = await createPostgresEventStore({ connectionString: url, schema: newSchema() });
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const { rows } = await c.query(
        `SELECT count(*)::int AS n FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE n.nspname = $1 AND p.prosrc ILIKE '%pg_notify%'`,
        [store.schema],
      );
      expect(rows[0].n).toBe(0);
    } finally {
      await c.end();
      await store.close();
    }
  });
});
