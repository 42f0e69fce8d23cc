// A function on a shard started by startNatsShard sees the shard's real figures in ctx.shard: load, headroom, peers.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFunction, functionMap, type ShardInfo } from '@lucent/core';
import { ClusterClient } from '@lucent/runtime/cluster';
import { connectNats } from '../transport/connectNats.js';
import { NatsTransport } from '../transport/natsTransport.js';
import { parseShardConfig } from './shardConfig.js';
import { startNatsShard, type RunningShard } from './startNatsShard.js';

const url = process.env['LUCENT_NATS_URL'] ?? 'nats://127.0.0.1:4222';

const whereAmI = defineFunction(
  {
    name: 'shard.whereAmI',
    version: '1.0.0',
    input: z.object({}),
    output: z.object({ id: z.string(), load: z.number(), peers: z.array(z.string()), freeCpu: z.number(), freeMemory: z.number(), inFlight: z.number() }),
  },
  (_, ctx) => {
    const s: ShardInfo = ctx.shard;
    return { id: s.id, load: s.load, peers: [...s.peers], freeCpu: s.freeCpu ?? -1, freeMemory: s.freeMemory ?? -1, inFlight: s.inFlight ?? -1 };
  },
);
const functions = functionMap(whereAmI);

describe('ctx.shard on a NATS shard', () => {
  const prefix = `lucent-ctxshard-${randomBytes(4).toString('hex')}`;
  let shards: RunningShard[] = [];
  let transport: NatsTransport;
  let client: ClusterClient;

  beforeAll(async () => {
    shards = await Promise.all(
      ['a', 'b'].map((s) => startNatsShard({ config: parseShardConfig({ id: `ctx-${s}`, nats: url, subjectPrefix: prefix, reportIntervalMs: 200 }), functions })),
    );
    transport = new NatsTransport({ connection: await connectNats({ url }), subjectPrefix: prefix, ownsConnection: true });
    client = new ClusterClient({ transport, functions });
    await client.ready(2, 10_000);
  }, 20_000);

  afterAll(async () => {
    await Promise.all(shards.map((s) => s.stop(200)));
    await client.close();
    await transport.close();
  });

  it('reports non-zero load, free resources, the call itself in flight and the other shard as a peer', async () => {
    // Each shard hears the other's reports every 200 ms; a few calls land on both.
    const seen = new Map<string, { load: number; peers: string[]; freeCpu: number; freeMemory: number; inFlight: number }>();
    for (let i = 0; i < 100 && seen.size < 2; i++) {
      const { output } = await client.invoke('shard.whereAmI', {});
      const o = output as { id: string; load: number; peers: string[]; freeCpu: number; freeMemory: number; inFlight: number };
      if (o.peers.length > 0) seen.set(o.id, o);
      else await new Promise((r) => setTimeout(r, 50));
    }
    expect([...seen.keys()].sort()).toEqual(['ctx-a', 'ctx-b']);
    expect(seen.get('ctx-a')!.peers).toEqual(['ctx-b']);
    expect(seen.get('ctx-b')!.peers).toEqual(['ctx-a']);
    for (const o of seen.values()) {
      expect(o.load).toBeGreaterThan(0);
      expect(o.load).toBeLessThanOrEqual(1);
      expect(o.freeCpu).toBeGreaterThanOrEqual(0);
      expect(o.freeMemory).toBeGreaterThan(0);
      expect(o.inFlight).toBeGreaterThanOrEqual(1);
    }
  });
});
