// The Redis projection store on a private Redis Cluster (3 masters, 3 replicas): the shared contract, one slot per projection, a drop across masters, commits on a replica.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectionStoreContract } from '../../../runtime/src/projections/projectionStoreContract.js';
import { PrivateRedisCluster } from '../testing/privateRedisCluster.js';
import { RedisProjectionStore } from './redisProjectionStore.js';

const prefix = `lucent:test:cproj:${randomBytes(5).toString('hex')}:`;
let cluster: PrivateRedisCluster;

beforeAll(async () => {
  cluster = await PrivateRedisCluster.create();
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

/** Every key under `prefix`, master by master (port → keys). */
async function keysByMaster(match: string): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  for (const node of cluster.nodes) {
    const redis = new Redis(node.url);
    try {
      if ((await redis.info('replication')).includes('role:master')) out.set(node.port, await redis.keys(match));
    } finally {
      redis.disconnect();
    }
  }
  return out;
}

projectionStoreContract('redis cluster', () => Promise.resolve(new RedisProjectionStore({ url: cluster.urls.join(','), prefix })));

describe('RedisProjectionStore on Redis Cluster', () => {
  let store: RedisProjectionStore;
  beforeAll(() => {
    store = new RedisProjectionStore({ url: cluster.urls.join(','), prefix: `${prefix}x:` });
  });
  afterAll(async () => {
    await store.close();
  });
  const record = (n: number): { view: { n: number }; position: number } => ({ view: { n }, position: n });

  it('puts every key of a projection (views of two generations, checkpoints, active) in one slot, and loads 200 views in one MGET', async () => {
    const views = new Map(Array.from({ length: 200 }, (_, i) => [`key-${i}`, record(i)] as const));
    expect(await store.commit('slotted', 1, 0, 200, views)).toBe(true);
    expect(await store.commit('slotted', 2, 0, 1, new Map([['key-0', record(1)]]))).toBe(true);
    await store.activate('slotted', 2);
    const loaded = await store.load<{ n: number }>('slotted', 1, [...views.keys()]);
    expect(loaded.size).toBe(200);
    expect(loaded.get('key-199')?.view).toEqual({ n: 199 });

    const found = [...(await keysByMaster(`${prefix}x:{slotted}*`)).values()].filter((keys) => keys.length > 0);
    expect(found).toHaveLength(1);
    const keys = found[0] as string[];
    expect(keys.length).toBe(200 + 1 + 1 + 1 + 1);
    const slots = new Set(await Promise.all(keys.map((k) => cluster.slotOf(k))));
    expect(slots.size).toBe(1);
  });

  it('drops a generation of projections whose slots sit on different masters', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `drop${i}`);
    for (const name of names) await store.commit(name, 1, 0, 1, new Map([['a', record(1)], ['b', record(2)]]));
    const owners = new Set(await Promise.all(names.map(async (n) => (await cluster.masterOf(`{${n}}`)).port)));
    expect(owners.size).toBeGreaterThan(1);
    for (const name of names) await store.dropGeneration(name, 1);
    for (const keys of (await keysByMaster(`${prefix}x:{drop*`)).values()) expect(keys).toEqual([]);
    expect(await store.checkpoint('drop3', 1)).toBe(0);
  });

  it('a commit is on the replica when it is acknowledged (WAIT 1 on by default on a cluster)', async () => {
    for (let i = 0; i < 20; i++) {
      expect(await store.commit('waited', 1, i, i + 1, new Map([['a', record(i + 1)]]))).toBe(true);
      const master = await cluster.masterOf('{waited}');
      const replicaPort = await (async () => {
        const redis = new Redis(master.url);
        try {
          const role = (await redis.call('ROLE')) as [string, number, [string, string, string][]];
          return Number(role[2][0]?.[1]);
        } finally {
          redis.disconnect();
        }
      })();
      const replica = new Redis({ host: cluster.host, port: replicaPort });
      try {
        await replica.call('READONLY');
        expect(await replica.get(`${prefix}x:{waited}:g1:checkpoint`)).toBe(String(i + 1));
      } finally {
        replica.disconnect();
      }
    }
    expect(store.unconfirmedCommits).toBe(0);
  });
});
