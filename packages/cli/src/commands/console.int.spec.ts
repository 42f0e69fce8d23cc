// `lucent console`'s server over real NATS and PostgreSQL: a shard of the cluster shows up in the cluster view, with tokens as the services check them.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFunction, functionMap } from '@lucent/core';
import { connectNats, parseShardConfig, registryBucketFor, startNatsShard, type RunningShard } from '@lucent/nats';
import { startConsoleServer, type ConsoleServer } from './consoleServer.js';

const natsUrl = process.env['LUCENT_NATS_URL'] ?? 'nats://127.0.0.1:4222';
const pgUrl = process.env['LUCENT_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const secret = 'lucent-console-cli-secret-long-enough-hs256';
const ping = defineFunction({ name: 'console.ping', version: '1.0.0', input: z.object({}), output: z.object({ ok: z.boolean() }) }, () => ({ ok: true }));
const bearer = async (claims: Record<string, unknown>) => ({
  authorization: `Bearer ${await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(secret))}`,
});

describe('lucent console (the server it starts)', () => {
  const tag = randomBytes(4).toString('hex');
  const prefix = `lucent-console-${tag}`;
  const schema = `console_cli_${tag}`;
  let shard: RunningShard;
  let server: ConsoleServer;

  beforeAll(async () => {
    shard = await startNatsShard({ config: parseShardConfig({ id: 'console-shard', nats: natsUrl, subjectPrefix: prefix, tags: ['aave'], registry: {} }), functions: functionMap(ping) });
    server = await startConsoleServer({ natsUrl, prefix, port: 0, host: '127.0.0.1', database: pgUrl, schema, auth: { secret } });
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await shard?.stop(200);
    const nc = await connectNats({ url: natsUrl });
    await nc.jetstream().views.kv(registryBucketFor(prefix)).then((kv) => kv.destroy()).catch(() => undefined);
    await nc.close();
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  it('needs a token, reports NATS, the registry and the event store up, and lists the cluster’s shard with its tags and versions', async () => {
    const get = (path: string, headers: Record<string, string> = {}) => fetch(`http://127.0.0.1:${server.port}${path}`, { headers });
    expect((await get('/console/api/cluster')).status).toBe(401);
    const viewer = await bearer({ sub: 'viewer-1', roles: ['viewer'] });
    expect(await (await get('/console/api/session', await bearer({ sub: 'ops', roles: ['admin'] }))).json()).toMatchObject({ auth: 'on', subject: 'ops', admin: true });
    const overview = (await (await get('/console/api/overview', viewer)).json()) as { stores: { name: string; status: string }[] };
    expect(overview.stores.map((s) => `${s.name}:${s.status}`)).toEqual(['eventStore:up', 'projections:absent', 'nats:up', 'registry:up']);
    let shards: { id: string }[] = [];
    for (const until = Date.now() + 10_000; shards.length === 0 && Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
      shards = ((await (await get('/console/api/cluster', viewer)).json()) as { shards: { id: string }[] }).shards;
    }
    expect(shards).toEqual([expect.objectContaining({ id: 'console-shard', tags: ['aave'], status: 'healthy', versions: ['console.ping@1.0.0'], breaker: 'closed' })]);
    expect((await get('/console/api/sagas', viewer)).status).toBe(200);
  }, 30_000);
});
