// `lucent registry route` while calls flow: two shards tagged differently on real NATS, a ClusterClient following the registry, the next call follows the new route.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFunction, functionMap } from '@lucent/core';
import { FunctionManager, registerCompiledVersions } from '@lucent/runtime';
import { ClusterClient, ClusterRegistry, Shard } from '@lucent/runtime/cluster';
import { connectNats, KvRegistryStore, NatsTransport, registryBucketFor } from '@lucent/nats';
import { buildCli, lucent } from '../testing/runBuiltCli.js';

const natsUrl = 'nats://127.0.0.1:4222';
const prefix = `route${randomUUID().slice(0, 8)}`;
const fn = 'trading.placeOrder';
const placeOrder = defineFunction(
  {
    name: fn,
    version: '1.0.0',
    input: z.object({ quantity: z.number().positive(), limitPrice: z.number().positive() }),
    output: z.object({ notional: z.number(), shard: z.string() }),
    routingFacts: (order: { quantity: number; limitPrice: number }) => ({ notional: order.quantity * order.limitPrice }),
  },
  (order, ctx) => ({ notional: order.quantity * order.limitPrice, shard: ctx.shard.id }),
);
const functions = functionMap(placeOrder);
/** 5 × 1,000 = a notional of 5,000. */
const midOrder = { quantity: 5, limitPrice: 1_000 };

describe('lucent registry route (built CLI, real NATS)', () => {
  const closers: (() => Promise<void>)[] = [];
  let client: ClusterClient;
  let view: ClusterRegistry;
  let store: KvRegistryStore;
  const via = ['--nats', natsUrl, '--prefix', prefix, '--who', 'ops-cli'];

  beforeAll(async () => {
    await buildCli();
    const connection = await connectNats({ url: natsUrl, name: 'route-spec' });
    closers.push(() => connection.drain());
    store = (await KvRegistryStore.open({ connection, bucket: registryBucketFor(prefix) }))!;
    closers.push(() => store.close());
    await registerCompiledVersions(store, [placeOrder], { who: 'spec', why: 'setup' });
    for (const [id, tags] of [['general-1', ['general']], ['whale-1', ['whale']]] as const) {
      const transport = new NatsTransport({ connection, subjectPrefix: prefix });
      const manager = new FunctionManager({ shard: { id, load: 0, peers: [] } }).register(placeOrder);
      const shard = new Shard({ id, tags, functions: manager, transport, reportIntervalMs: 200 });
      await shard.start();
      closers.push(() => shard.stop(1_000));
    }
    view = new ClusterRegistry(store);
    await view.start();
    client = new ClusterClient({ transport: new NatsTransport({ connection, subjectPrefix: prefix }), functions, registry: view, liveness: { intervalMs: 200, missedReports: 3 } });
    closers.push(() => client.close());
    await client.ready(2, 20_000);
  }, 240_000);

  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    const connection = await connectNats({ url: natsUrl });
    await (await connection.jetstreamManager()).streams.delete(`KV_${registryBucketFor(prefix)}`).catch(() => undefined);
    await connection.drain();
  });

  /** Apply a CLI change and wait until this caller's registry view has it. */
  async function route(...args: string[]): Promise<number> {
    const r = await lucent(['registry', 'route', fn, ...args, ...via, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const { revision } = JSON.parse(r.stdout) as { revision: number };
    await view.waitForRevision(revision, 5_000);
    return revision;
  }

  const shardsOf = async (input: typeof midOrder, n: number): Promise<Set<string>> => {
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) seen.add(((await client.invoke(fn, input)).output as { shard: string }).shard);
    return seen;
  };

  it('moves the next call as soon as the route changes, while calls keep flowing without a failure', async () => {
    // Calls flow the whole time; none may fail while routes change under them.
    let flowing = true;
    let failed = 0;
    let served = 0;
    const flow = (async () => {
      for (let i = 0; flowing && i < 20_000; i++) {
        await client.invoke(fn, { quantity: 1 + (i % 9), limitPrice: 1_000 }).then(
          () => served++,
          () => failed++,
        );
      }
    })();

    await route('--name', 'whales', '--when', 'notional>=1000', '--require-tags', 'whale', '--reason', 'whales to the whale shard');
    await route('--name', 'small', '--when', 'notional<1000', '--avoid-tags', 'whale');
    expect(await shardsOf(midOrder, 20)).toEqual(new Set(['whale-1']));
    expect(await shardsOf({ quantity: 0.5, limitPrice: 1_000 }, 20)).toEqual(new Set(['general-1']));

    // The operator raises the threshold: an order of 5,000 is no longer a whale, and the very next one shows it.
    await route('--name', 'whales', '--when', 'notional>=10000', '--require-tags', 'whale', '--reason', 'raise the whale threshold');
    await route('--name', 'small', '--when', 'notional<10000', '--avoid-tags', 'whale');
    expect(((await client.invoke(fn, midOrder)).output as { shard: string }).shard).toBe('general-1');
    expect(await shardsOf({ quantity: 20, limitPrice: 1_000 }, 10)).toEqual(new Set(['whale-1']));

    flowing = false;
    await flow;
    expect(failed).toBe(0);
    expect(served).toBeGreaterThan(0);
  }, 60_000);

  it('shows the routes in order, and history lists each change with who and why', async () => {
    const show = await lucent(['registry', 'show', fn, ...via]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('    1. whales: notional>=10000 → whale (required)');
    expect(show.stdout).toContain('    2. small: notional<10000 → not whale (required)');
    const list = await lucent(['registry', 'list', ...via]);
    expect(list.stdout).toMatch(/ROUTES/);
    expect(list.stdout).toMatch(/trading\.placeOrder\s.*whales,small/);
    const history = await lucent(['registry', 'history', fn, ...via]);
    expect(history.code, history.stderr).toBe(0);
    expect(history.stdout).toMatch(/ops-cli: route changed whales: notional>=10000 → whale \(required\) — raise the whale threshold/);
    expect(history.stdout).toMatch(/ops-cli: route added whales: notional>=1000 → whale \(required\) — whales to the whale shard/);
  });

  it('refuses malformed routes before writing (exit 2, naming the field), and an unknown route to remove (exit 3)', async () => {
    const before = (await store.get(fn))!.revision;
    const bad = await lucent(['registry', 'route', fn, '--name', 'x', '--when', 'notional>=lots', '--require-tags', 'whale', ...via]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('when[0].gte: must be a finite number');
    const noTags = await lucent(['registry', 'route', fn, '--name', 'x', '--when', 'notional>=5', ...via]);
    expect(noTags.code).toBe(2);
    expect(noTags.stderr).toContain('must require or avoid at least one tag');
    const nothing = await lucent(['registry', 'route', fn, ...via]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('give one of --name NAME');
    const unknown = await lucent(['registry', 'route', fn, '--remove', 'dolphins', ...via]);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('has no route "dolphins" (its routes: whales, small)');
    expect((await store.get(fn))!.revision).toBe(before);
  });

  it('removes one route and clears the rest; a whale order then goes anywhere', async () => {
    await route('--remove', 'small', '--reason', 'small orders anywhere');
    expect((await store.get(fn))!.rules.placement?.routes?.map((r) => r.name)).toEqual(['whales']);
    await route('--clear');
    expect((await store.get(fn))!.rules.placement?.routes).toEqual([]);
    // With no route, placement picks by load alone: a whale order may land on either shard. Sequential calls can all go
    // to the shard that last reported the lighter load, so send 8 at a time until both have served one (bounded).
    const seen = new Set<string>();
    const until = Date.now() + 15_000;
    for (let round = 0; seen.size < 2 && round < 500 && Date.now() < until; round++) {
      const outputs = await Promise.all(Array.from({ length: 8 }, () => client.invoke(fn, { quantity: 20, limitPrice: 1_000 })));
      for (const o of outputs) seen.add((o.output as { shard: string }).shard);
    }
    expect(seen).toEqual(new Set(['general-1', 'whale-1']));
    const history = await lucent(['registry', 'history', fn, '--limit', '2', ...via]);
    expect(history.stdout).toMatch(/route removed whales/);
    expect(history.stdout).toMatch(/route removed small — small orders anywhere/);
  });
});
