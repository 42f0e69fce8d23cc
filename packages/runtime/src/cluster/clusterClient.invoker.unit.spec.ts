// The cluster client as an Invoker: where a call ran (placed), what it can reach (list, lookup), facts a function declares, ctx.shard on a shard.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FunctionNotFoundError, defineFunction, functionMap, thresholdRule } from '@lucent/core';
import { FunctionManager } from '../functionManager/functionManager.js';
import type { Placement } from '../invoker/invoker.js';
import { InProcessTransport } from '../transport/inProcessTransport.js';
import { ClusterClient } from './clusterClient.js';
import { Shard } from './shard.js';

const order = defineFunction(
  {
    name: 'trade.order',
    version: '2.1.0',
    input: z.object({ quantity: z.number(), priceUsd: z.number() }),
    output: z.object({ shard: z.string(), load: z.number(), peers: z.array(z.string()), freeCpu: z.number().optional() }),
    routingFacts: (input: { quantity: number; priceUsd: number }) => ({ notional: input.quantity * input.priceUsd }),
  },
  (_, ctx) => ({ shard: ctx.shard.id, load: ctx.shard.load, peers: [...ctx.shard.peers], freeCpu: ctx.shard.freeCpu }),
);
const registry = functionMap(order);

async function cluster(ids: string[]): Promise<{ client: ClusterClient; stop(): Promise<void> }> {
  const transport = new InProcessTransport();
  const client = new ClusterClient({ transport, functions: registry, rules: [thresholdRule('whales', 'notional', 1_000_000, 'whale')] });
  const shards: Shard[] = [];
  for (const id of ids) {
    // The manager reads the shard's live view, as `startNatsShard` wires it.
    const manager = new FunctionManager({ shard: () => shard.info() }).register(registry);
    const shard: Shard = new Shard({ id, tags: [id], transport, reportIntervalMs: 100, functions: manager });
    shards.push(shard);
  }
  await Promise.all(shards.map((s) => s.start()));
  await client.ready(ids.length, 2_000);
  return {
    client,
    stop: async () => {
      await Promise.all(shards.map((s) => s.stop(100)));
      await client.close();
      await transport.close();
    },
  };
}

describe('ClusterClient as an Invoker', () => {
  it('tells `placed` the shard that answered and the version it ran', async () => {
    const c = await cluster(['aave', 'whale']);
    try {
      const seen: Placement[] = [];
      const r = await c.client.invoke('trade.order', { quantity: 10, priceUsd: 200_000 }, { placed: (p) => seen.push(p) });
      expect(seen).toEqual([{ shard: 'whale', version: '2.1.0' }]);
      expect((r.output as { shard: string }).shard).toBe('whale');
    } finally {
      await c.stop();
    }
  });

  it('places by the facts a function declares when the caller gives none, and by the caller\'s own when given', async () => {
    const c = await cluster(['aave', 'whale']);
    try {
      for (let i = 0; i < 20; i++) {
        const big = await c.client.invoke('trade.order', { quantity: 100, priceUsd: 50_000 });
        expect((big.output as { shard: string }).shard).toBe('whale');
      }
      // The caller's facts win over what the input would say: a small notional may go anywhere, but
      // a big one given by the caller must go to the whale shard even for a small order.
      for (let i = 0; i < 20; i++) {
        const forced = await c.client.invoke('trade.order', { quantity: 1, priceUsd: 1 }, { facts: { notional: 5_000_000 } });
        expect((forced.output as { shard: string }).shard).toBe('whale');
      }
      // A small order is under no rule: it is served (by whichever shard the load score picks).
      expect((await c.client.invoke('trade.order', { quantity: 1, priceUsd: 1 })).output).toMatchObject({ shard: expect.any(String) });
    } finally {
      await c.stop();
    }
  });

  it('lists the functions live shards host and looks up the definitions it was given', async () => {
    const c = await cluster(['aave']);
    try {
      expect(c.client.list()).toEqual([{ name: 'trade.order', activeVersion: '2.1.0', versions: ['2.1.0'], enabled: true }]);
      expect(c.client.lookup('trade.order')).toBe(order);
      expect(() => c.client.lookup('trade.order', '9.9.9')).toThrow(FunctionNotFoundError);
      expect(() => c.client.lookup('trade.nothing')).toThrow(FunctionNotFoundError);
    } finally {
      await c.stop();
    }
  });

  it('gives a function on a shard its real load, headroom and peers in ctx.shard', async () => {
    const c = await cluster(['aave', 'whale']);
    try {
      const r = await c.client.invoke('trade.order', { quantity: 100, priceUsd: 50_000 });
      const seen = r.output as { shard: string; load: number; peers: string[]; freeCpu?: number };
      expect(seen.shard).toBe('whale');
      expect(seen.peers).toEqual(['aave']);
      expect(seen.load).toBeGreaterThan(0);
      expect(seen.load).toBeLessThanOrEqual(1);
      expect(seen.freeCpu).toBeGreaterThanOrEqual(0);
    } finally {
      await c.stop();
    }
  });
});
