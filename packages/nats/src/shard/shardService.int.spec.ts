// A NATS shard registers with the Services API: a real $SRV.PING lists it, $SRV.INFO shows an endpoint per function, $SRV.STATS counts calls made through them; it leaves on stop, and is not ready while its NATS link is down.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFunction, functionMap } from '@lucent/core';
import type { NatsConnection, ServiceIdentity, ServiceInfo, ServiceStats } from 'nats';
import { PrivateNats } from '../testing/privateNats.js';
import { connectNats } from '../transport/connectNats.js';
import { parseShardConfig } from './shardConfig.js';
import { shardEndpointSubject, shardServiceName } from './shardService.js';
import { startNatsShard, type RunningShard } from './startNatsShard.js';

const url = process.env['LUCENT_NATS_URL'] ?? 'nats://127.0.0.1:4222';
const double = defineFunction({ name: 'srv.double', version: '1.0.0', input: z.object({ n: z.number() }), output: z.object({ n: z.number() }) }, ({ n }) => ({ n: 2 * n }));
const decode = <T>(data: Uint8Array): T => JSON.parse(new TextDecoder().decode(data)) as T;

/** Every `lucent-shard` answering a real `$SRV.PING.lucent-shard` within 500 ms (other tests' shards too). */
async function ping(nc: NatsConnection): Promise<ServiceIdentity[]> {
  const inbox = `_INBOX.srvtest.${randomBytes(4).toString('hex')}`;
  const seen: ServiceIdentity[] = [];
  const sub = nc.subscribe(inbox, { callback: (_, msg) => seen.push(decode(msg.data)) });
  nc.publish(`$SRV.PING.${shardServiceName}`, new Uint8Array(), { reply: inbox });
  await new Promise((r) => setTimeout(r, 500));
  sub.unsubscribe();
  return seen;
}

describe('a shard on the NATS Services API', () => {
  const prefix = `lucent-srv-${randomBytes(4).toString('hex')}`;
  const id = `srv-${randomBytes(3).toString('hex')}`;
  let shard: RunningShard;
  let nc: NatsConnection;

  beforeAll(async () => {
    shard = await startNatsShard({ config: parseShardConfig({ id, nats: url, subjectPrefix: prefix, reportIntervalMs: 200 }), functions: functionMap(double) });
    nc = await connectNats({ url });
  }, 20_000);

  afterAll(async () => {
    await shard?.stop(200);
    await nc?.close();
  });

  it('PING lists it as lucent-shard with its id; INFO names an endpoint per function; an endpoint runs it; STATS counts it', async () => {
    expect(shard.ready()).toBe(true);
    const mine = (await ping(nc)).filter((s) => s.metadata?.['shard'] === id);
    expect(mine).toHaveLength(1);
    const serviceId = mine[0]!.id;
    expect(mine[0]).toMatchObject({ name: 'lucent-shard', type: 'io.nats.micro.v1.ping_response', metadata: { prefix } });
    expect(mine[0]!.version).toMatch(/^\d+\.\d+\.\d+/);

    const info = decode<ServiceInfo>((await nc.request(`$SRV.INFO.${shardServiceName}.${serviceId}`, new Uint8Array(), { timeout: 2_000 })).data);
    expect(info.endpoints).toEqual([
      expect.objectContaining({ name: 'srv_double', subject: shardEndpointSubject(prefix, id, 'srv.double'), metadata: { function: 'srv.double', versions: '1.0.0' } }),
    ]);

    const reply = await nc.request(shardEndpointSubject(prefix, id, 'srv.double'), new TextEncoder().encode('{"n":21}'), { timeout: 2_000 });
    expect(decode(reply.data)).toEqual({ output: { n: 42 }, events: [], version: '1.0.0' });
    const refused = await nc.request(shardEndpointSubject(prefix, id, 'srv.double'), new TextEncoder().encode('{"n":"x"}'), { timeout: 2_000 });
    expect(refused.headers?.get('Nats-Service-Error-Code')).toBe('400');

    const stats = decode<ServiceStats>((await nc.request(`$SRV.STATS.${shardServiceName}.${serviceId}`, new Uint8Array(), { timeout: 2_000 })).data);
    expect(stats.endpoints?.[0]).toMatchObject({ name: 'srv_double', num_requests: 2, data: { calls: 2, errors: 1, totalMs: expect.any(Number) } });
  });

  it('on stop it is not ready and PING no longer lists it', async () => {
    await shard.stop(200);
    expect(shard.ready()).toBe(false);
    expect((await ping(nc)).filter((s) => s.metadata?.['shard'] === id)).toEqual([]);
  });
});

describe('shard readiness', () => {
  it('is not ready while its NATS server is down, and ready again once it reconnects (and still listed by PING)', async () => {
    const server = await PrivateNats.create();
    const id = `ready-${randomBytes(3).toString('hex')}`;
    const shard = await startNatsShard({ config: parseShardConfig({ id, nats: server.url, subjectPrefix: `lucent-ready-${id}`, reportIntervalMs: 200 }), functions: functionMap(double) });
    const until = async (want: boolean): Promise<void> => {
      for (let i = 0; i < 200 && shard.ready() !== want; i++) await new Promise((r) => setTimeout(r, 25));
      expect(shard.ready()).toBe(want);
    };
    try {
      expect(shard.ready()).toBe(true);
      await server.stop();
      await until(false);
      await server.start();
      await until(true);
      const nc = await connectNats({ url: server.url });
      expect((await ping(nc)).map((s) => s.metadata?.['shard'])).toEqual([id]);
      await nc.close();
    } finally {
      await shard.stop(200);
      await server.stop(true);
    }
  }, 30_000);
});
