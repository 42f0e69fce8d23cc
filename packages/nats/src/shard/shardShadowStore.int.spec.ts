// A shard given the system's event store writes its shadow comparisons there (real NATS and PostgreSQL), so any process can report them.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFunction, functionMap, type RegisteredVersion } from '@lucent/core';
import { FunctionManager, RegistryAdmin, shadowReport } from '@lucent/runtime';
import { ClusterClient } from '@lucent/runtime/cluster';
import { createPostgresEventStore } from '../../../postgres/src/eventStore/sqlEventStore.js';
import { KvRegistryStore } from '../registry/kvRegistryStore.js';
import { connectNats } from '../transport/connectNats.js';
import { NatsTransport } from '../transport/natsTransport.js';
import { parseShardConfig } from './shardConfig.js';
import { startNatsShard } from './startNatsShard.js';

const natsUrl = process.env['LUCENT_NATS_URL'] ?? 'nats://127.0.0.1:4222';
const pgUrl = process.env['LUCENT_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const tag = randomBytes(4).toString('hex');
const schema = `lucent_shadow_${tag}`;
const bucket = `lucent-registry-shadow-${tag}`;

const contract = { input: z.object({ x: z.number() }), output: z.object({ y: z.number() }) };
const live = defineFunction({ name: 'test.double', version: '1.0.0', ...contract }, ({ x }) => ({ y: x * 2 }));
/** Agrees with the live version on even inputs only. */
const candidate = defineFunction({ name: 'test.double', version: '2.0.0', ...contract }, ({ x }) => ({ y: x % 2 === 0 ? x * 2 : -1 }));
const reg = (version: string): RegisteredVersion => ({ version, fingerprint: { input: 'sha256:in', output: 'sha256:out' } });
const ops = { who: 'test', why: 'shadow results in the shared event store' };

afterAll(async () => {
  const c = new pg.Client({ connectionString: pgUrl });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await c.end();
});

describe('a shard started with the system event store', () => {
  it('writes its shadow divergences and tallies there, where shadowReport reads them from another process', async () => {
    const shardEvents = await createPostgresEventStore({ connectionString: pgUrl, schema });
    const connection = await connectNats({ url: natsUrl });
    const registry = await KvRegistryStore.open({ connection, bucket, eventStore: shardEvents });
    const admin = new RegistryAdmin(registry);
    for (const v of ['1.0.0', '2.0.0']) await admin.register('test.double', reg(v), ops);
    const shadowOn = await admin.shadow('test.double', '2.0.0', ops);

    const running = await startNatsShard({
      config: parseShardConfig({ id: `shadow${tag}`, nats: natsUrl, subjectPrefix: `lucent-test-${tag}`, reportIntervalMs: 250, registry: { bucket } }),
      functions: new FunctionManager().register(live, candidate),
      eventStore: shardEvents,
    });
    const transport = new NatsTransport({ connection, subjectPrefix: `lucent-test-${tag}` });
    const client = new ClusterClient({ transport, functions: functionMap(live) });
    try {
      await running.registry?.watcher?.waitForRevision(shadowOn.revision);
      await client.ready(1, 10_000);
      const outputs = [];
      for (let x = 0; x < 10; x++) outputs.push((await client.invoke('test.double', { x }, { business: { userId: `u${x}` } })).output);
      // The caller only ever sees the live version's answers.
      expect(outputs).toEqual(Array.from({ length: 10 }, (_, x) => ({ y: x * 2 })));
    } finally {
      await client.close();
      await running.stop(1_000);
      await transport.close();
    }

    // Read back through a store of its own, as `lucent registry` or an admin endpoint would.
    const reader = await createPostgresEventStore({ connectionString: pgUrl, schema });
    try {
      expect(await shadowReport(reader, 'test.double')).toEqual([
        expect.objectContaining({ live: '1.0.0', shadow: '2.0.0', agreed: 5, diverged: 5, failed: 0, agreementRate: 0.5 }),
      ]);
      const diverged = (await reader.readStream('shadow-test.double')).filter((e) => e.type === 'ShadowDiverged');
      // Shadow runs finish after their live replies, in any order.
      expect(diverged.map((e) => (e.data as { input: { x: number } }).input.x).sort((a, b) => a - b)).toEqual([1, 3, 5, 7, 9]);
    } finally {
      await reader.close();
      await registry.close();
      const jsm = await connection.jetstreamManager();
      await jsm.streams.delete(`KV_${bucket}`).catch(() => undefined);
      await connection.drain();
      await shardEvents.close();
    }
  }, 60_000);
});
