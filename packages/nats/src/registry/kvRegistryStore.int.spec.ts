// The JetStream KV registry store passes the shared registry store contract against the machine's NATS, and keeps its audit whole.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import { RegistryAdmin } from '@lucent/runtime';
import { createPostgresEventStore } from '../../../postgres/src/eventStore/sqlEventStore.js';
import { registryStoreContract } from '../../../runtime/src/registry/registryStoreContract.js';
import { KvRegistryStore } from './kvRegistryStore.js';

const pgUrl = process.env['LUCENT_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const connections: NatsConnection[] = [];
const buckets: string[] = [];
const schemas: string[] = [];

afterAll(async () => {
  for (const nc of connections) {
    const jsm = await nc.jetstreamManager();
    for (const b of buckets) await jsm.streams.delete(`KV_${b}`).catch(() => undefined);
    await nc.close();
  }
  const c = new pg.Client({ connectionString: pgUrl });
  await c.connect();
  for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await c.end();
});

registryStoreContract('nats-kv', async () => {
  const nc = await connect({ servers: '127.0.0.1:4222' });
  connections.push(nc);
  const bucket = `lucent-registry-test-${randomUUID().slice(0, 8)}`;
  buckets.push(bucket);
  return KvRegistryStore.open({ connection: nc, bucket });
});

describe('KV registry audit when the writer dies after the KV put', () => {
  it('history writes the missing record from the bucket, once, with who, why, old and new', async () => {
    const nc = await connect({ servers: '127.0.0.1:4222' });
    connections.push(nc);
    const bucket = `lucent-registry-test-${randomUUID().slice(0, 8)}`;
    buckets.push(bucket);
    const schema = `lucent_regaudit_${randomUUID().slice(0, 8)}`;
    schemas.push(schema);
    const fp = { input: 'sha256:in', output: 'sha256:out' };

    // The first writer records two changes, then loses its event store between the next KV put and its audit append.
    const doomedEvents = await createPostgresEventStore({ connectionString: pgUrl, schema });
    const doomed = await KvRegistryStore.open({ connection: nc, bucket, eventStore: doomedEvents });
    const admin = new RegistryAdmin(doomed);
    await admin.register('quote.price', { version: '1.0.0', fingerprint: fp }, { who: 'ana', why: 'first release' });
    const registered = await admin.register('quote.price', { version: '2.0.0', fingerprint: fp }, { who: 'ana', why: 'candidate' });
    await doomedEvents.close();
    await expect(admin.activate('quote.price', '2.0.0', { who: 'bo', why: 'promote v2' })).rejects.toBeDefined();
    await doomed.close();

    const events = await createPostgresEventStore({ connectionString: pgUrl, schema });
    const store = await KvRegistryStore.open({ connection: nc, bucket, eventStore: events });
    try {
      const current = await store.get('quote.price');
      expect(current?.rules.active).toBe('2.0.0');
      const history = await store.history('quote.price');
      expect(history.map((h) => [h.revision, h.who, h.why])).toEqual([
        [registered.revision - 1, 'ana', 'first release'],
        [registered.revision, 'ana', 'candidate'],
        [current!.revision, 'bo', 'promote v2'],
      ]);
      expect(history[2]?.old).toEqual(registered.rules);
      expect(history[2]?.new).toEqual(current!.rules);
      // Read again: nothing is written twice.
      expect(await store.history('quote.price')).toEqual(history);
      expect((await events.readStream('registry-quote.price')).length).toBe(3);
    } finally {
      await store.close();
      await events.close();
    }
  });
});

describe('KV registry watch that cannot open', () => {
  it('reports the failure to onError and rejects ready for whoever awaits it, without an unhandled rejection', async () => {
    // A node's registry watcher re-opens its watch after a failure and awaits only the first one's `ready`:
    // when JetStream does not answer the re-open (a NATS server died, its streams re-electing), that
    // rejected `ready` must not end the process (it did: the scale topology's gateway exited on it).
    const nc = await connect({ servers: '127.0.0.1:4222' });
    const bucket = `lucent-registry-test-${randomUUID().slice(0, 8)}`;
    const store = await KvRegistryStore.open({ connection: nc, bucket });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(`KV_${bucket}`);
    await nc.close();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const errors: unknown[] = [];
      const watch = store.watch({ onChange: () => undefined, onError: (error) => void errors.push(error) });
      for (let i = 0; i < 100 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(errors).toHaveLength(1);
      // Unhandled rejections are reported after the microtask queue drains: give them a few turns.
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
      await expect(watch.ready).rejects.toThrow();
      await watch.stop();
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
