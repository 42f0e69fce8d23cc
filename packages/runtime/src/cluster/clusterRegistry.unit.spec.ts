// The registry before shard routing, over the embedded transport: selected versions sent, refusals that send nothing, placement, shard-side shadows.
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFunction, functionMap, selectVersion, type RegisteredVersion } from '@lucent/core';
import { FunctionManager } from '../functionManager/functionManager.js';
import { MemoryRegistryStore } from '../registry/memoryRegistryStore.js';
import { RegistryAdmin } from '../registry/registryAdmin.js';
import { InProcessTransport } from '../transport/inProcessTransport.js';
import type { RemoteCall, Transport } from '../transport/transport.js';
import { ClusterClient } from './clusterClient.js';
import { ClusterRegistry } from './clusterRegistry.js';
import { Shard } from './shard.js';
import { ShardRegistry } from './shardRegistry.js';

const contract = { input: z.object({ x: z.number() }), output: z.object({ y: z.number(), by: z.string(), shard: z.string() }) };
const v1 = defineFunction({ name: 'quote.price', version: '1.0.0', ...contract }, ({ x }, ctx) => ({ y: x * 2, by: 'v1', shard: ctx.shard.id }));
const v2 = defineFunction({ name: 'quote.price', version: '2.0.0', ...contract }, ({ x }, ctx) => ({ y: x * 2, by: 'v2', shard: ctx.shard.id }));
/** Disagrees with v1 on odd inputs, so the shard's shadow runs can be counted exactly. */
const v3 = defineFunction({ name: 'quote.price', version: '3.0.0', ...contract }, ({ x }, ctx) => ({ y: x % 2 === 0 ? x * 2 : -1, by: 'v1', shard: ctx.shard.id }));
const ping = defineFunction({ name: 'test.ping', version: '1.0.0', input: z.object({}), output: z.string() }, (_, ctx) => ctx.shard.id);
const known = functionMap(v1, ping);
const fp = { input: 'sha256:in', output: 'sha256:out' };
const reg = (version: string): RegisteredVersion => ({ version, fingerprint: fp });
const ops = { who: 'ops', why: 'unit test' };

interface Setup {
  admin: RegistryAdmin;
  view: ClusterRegistry;
  client: ClusterClient;
  shardRegistries: ShardRegistry[];
  /** Every call the client put on the wire. */
  sent: RemoteCall[];
}

let stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.reverse()) await stop();
  stops = [];
});

/**
 * Three shards hosting all three versions. With `shardRules: false` the shards follow no registry,
 * so whatever version they run is the one the caller sent.
 */
async function cluster(shardRules = true): Promise<Setup> {
  const store = new MemoryRegistryStore();
  const admin = new RegistryAdmin(store);
  for (const v of ['1.0.0', '2.0.0', '3.0.0']) await admin.register('quote.price', reg(v), ops);
  const transport = new InProcessTransport();
  const sent: RemoteCall[] = [];
  // The caller's side of the wire, counting what it sends; everything else passes through.
  const counting = new Proxy(transport, {
    get(target, property) {
      if (property === 'request') {
        return (shardId: string, call: RemoteCall, waitUntil: number) => {
          sent.push(call);
          return target.request(shardId, call, waitUntil);
        };
      }
      const value = Reflect.get(target, property) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  }) as Transport;
  const shardRegistries: ShardRegistry[] = [];
  const shards: Shard[] = [];
  for (const [i, id] of ['s1', 's2', 's3'].entries()) {
    const manager = new FunctionManager({ shard: { id, load: 0, peers: [] } }).register(v1, v2, v3, ping);
    if (shardRules) {
      const registry = new ShardRegistry({ manager, registry: store, nodeId: id });
      await registry.start();
      shardRegistries.push(registry);
    }
    const shard = new Shard({ id, tags: [['aave', 'arbitrage', 'whale'][i]!], functions: manager, transport, reportIntervalMs: 100 });
    await shard.start();
    shards.push(shard);
  }
  const view = new ClusterRegistry(store);
  await view.start();
  const client = new ClusterClient({ transport: counting, functions: known, registry: view });
  await client.ready(3, 2_000);
  stops.push(async () => {
    await Promise.all(shards.map((s) => s.stop(100)));
    await Promise.all(shardRegistries.map((r) => r.stop()));
    await client.close();
    await view.stop();
    await transport.close();
  });
  return { admin, view, client, shardRegistries, sent };
}

const priceFor = async (client: ClusterClient, userId: string, x = 2): Promise<{ by: string; shard: string }> =>
  (await client.invoke('quote.price', { x }, { business: { userId } })).output as { by: string; shard: string };

describe('ClusterClient with the registry', () => {
  it('sends each user the version the rules select for them, and the shard runs exactly that one', async () => {
    const { admin, view, client, sent } = await cluster(false);
    const entry = await admin.weights('quote.price', { '2.0.0': 50 }, ops);
    await view.waitForRevision(entry.revision);
    const users = Array.from({ length: 40 }, (_, i) => `user-${i}`);
    for (const user of users) {
      const selected = selectVersion(entry.rules, { userId: user });
      const expected = 'version' in selected ? selected.version : 'refused';
      expect((await priceFor(client, user)).by).toBe(expected === '2.0.0' ? 'v2' : 'v1');
      expect(sent.at(-1)?.version).toBe(expected);
    }
    expect(new Set(sent.map((c) => c.version))).toEqual(new Set(['1.0.0', '2.0.0']));
  });

  it('leaves a function without rules on the old path: no version chosen by the caller', async () => {
    const { client, sent } = await cluster();
    await client.invoke('test.ping', {});
    expect(sent).toHaveLength(1);
    expect(sent[0]!.version).toBeUndefined();
  });

  it('refuses a disabled function before sending anything, also for a pinned version', async () => {
    const { admin, view, client, sent } = await cluster();
    await view.waitForRevision((await admin.disable('quote.price', ops)).revision);
    await expect(priceFor(client, 'u1')).rejects.toMatchObject({ code: 'FUNCTION_DISABLED' });
    await expect(client.invoke('quote.price', { x: 1 }, { version: '2.0.0' })).rejects.toMatchObject({ code: 'FUNCTION_DISABLED' });
    expect(sent).toEqual([]);
    await view.waitForRevision((await admin.enable('quote.price', ops)).revision);
    expect((await priceFor(client, 'u1')).by).toBe('v1');
  });

  it('refuses a denied jurisdiction from the call context before sending anything; other jurisdictions are served', async () => {
    const { admin, view, client, sent } = await cluster();
    await view.waitForRevision((await admin.jurisdictions('quote.price', { deny: ['FR'] }, ops)).revision);
    await expect(client.invoke('quote.price', { x: 1 }, { business: { userId: 'u', jurisdiction: 'FR' } })).rejects.toMatchObject({
      code: 'JURISDICTION_DENIED',
    });
    expect(sent).toEqual([]);
    await expect(client.invoke('quote.price', { x: 1 }, { business: { userId: 'u', jurisdiction: 'DE' } })).resolves.toMatchObject({ output: { by: 'v1' } });
  });

  it("steers calls with the rules' placement: required tags and pinned shards", async () => {
    const { admin, view, client } = await cluster();
    await view.waitForRevision((await admin.placement('quote.price', { requireTags: ['whale'] }, ops)).revision);
    const onWhale = await Promise.all(Array.from({ length: 30 }, (_, i) => priceFor(client, `u${i}`)));
    expect(new Set(onWhale.map((o) => o.shard))).toEqual(new Set(['s3']));
    await view.waitForRevision((await admin.placement('quote.price', { shards: ['s1'] }, ops)).revision);
    const pinned = await Promise.all(Array.from({ length: 30 }, (_, i) => priceFor(client, `u${i}`)));
    expect(new Set(pinned.map((o) => o.shard))).toEqual(new Set(['s1']));
    // A placement no live shard satisfies is a clear refusal, not a call to the wrong shard.
    await view.waitForRevision((await admin.placement('quote.price', { requireTags: ['nowhere'] }, ops)).revision);
    await expect(client.invoke('quote.price', { x: 1 }, { timeoutMs: 300 })).rejects.toMatchObject({ code: expect.stringMatching(/UNAVAILABLE|DEADLINE_EXCEEDED/) });
  });

  it('leaves shadow runs to the shard that served the live call: compared off the path, never returned', async () => {
    const { admin, view, client, shardRegistries } = await cluster();
    await view.waitForRevision((await admin.shadow('quote.price', '3.0.0', ops)).revision);
    for (const r of shardRegistries) await r.watcher!.waitForRevision(view.revision);
    const outputs = [];
    for (let x = 0; x < 10; x++) outputs.push((await client.invoke('quote.price', { x }, { business: { userId: 'u' } })).output as { y: number });
    expect(outputs.map((o) => o.y)).toEqual(Array.from({ length: 10 }, (_, x) => x * 2));
    await Promise.all(shardRegistries.map((r) => r.shadow!.settled()));
    const reports = shardRegistries.flatMap((r) => r.shadow!.localReport('quote.price'));
    const sum = (k: 'agreed' | 'diverged'): number => reports.reduce((n, r) => n + r[k], 0);
    expect({ agreed: sum('agreed'), diverged: sum('diverged') }).toEqual({ agreed: 5, diverged: 5 });
  });
});
