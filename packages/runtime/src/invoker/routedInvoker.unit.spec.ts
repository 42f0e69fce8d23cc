// RoutedInvoker over the embedded transport: here when hosted and placement allows, the shard otherwise, one list of both.
import { afterEach, describe, expect, it } from 'vitest';
import { FunctionNotFoundError } from '@lucent/core';
import { ClusterClient } from '../cluster/clusterClient.js';
import { Shard } from '../cluster/shard.js';
import { FunctionManager } from '../functionManager/functionManager.js';
import { InProcessTransport } from '../transport/inProcessTransport.js';
import type { Placement } from './invoker.js';
import { RoutedInvoker } from './routedInvoker.js';
import { gatewayFunctions, order, shardFunctions, whalePlacement, whaleRule } from './fixtures/routedInvokerFixture.js';

let stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops) await stop();
  stops = [];
});

async function gateway(runHere?: readonly string[]): Promise<{ routed: RoutedInvoker; local: FunctionManager }> {
  const transport = new InProcessTransport();
  const shard = new Shard({ id: 'whale-1', tags: ['whale'], transport, reportIntervalMs: 100, functions: new FunctionManager({ shard: { id: 'whale-1', load: 0, peers: [] } }).register(shardFunctions) });
  await shard.start();
  const remote = new ClusterClient({ transport, functions: gatewayFunctions, rules: [whaleRule] });
  await remote.ready(1, 2_000);
  const local = new FunctionManager({ shard: { id: 'gateway', load: 0, peers: [] } }).register(gatewayFunctions);
  stops.push(async () => {
    await shard.stop(100);
    await remote.close();
    await transport.close();
  });
  return { routed: new RoutedInvoker({ local, remote, id: 'gateway', tags: ['gateway'], rules: [whaleRule], ...(runHere === undefined ? {} : { runHere }) }), local };
}

async function placedOf(routed: RoutedInvoker, name: string, input: unknown): Promise<Placement> {
  let where: Placement | undefined;
  await routed.invoke(name, input, { placed: (p) => (where = p) });
  return where!;
}

describe('RoutedInvoker', () => {
  it('runs a hosted call here when placement allows it', async () => {
    const { routed } = await gateway();
    expect(await placedOf(routed, 'trade.order', { quantity: 1, priceUsd: 100 })).toEqual({ shard: 'gateway', version: '1.0.0' });
  });

  it('sends a call whose declared facts need a tag this process lacks to the shard that has it', async () => {
    const { routed } = await gateway();
    expect(await placedOf(routed, 'trade.order', { quantity: 100, priceUsd: 50_000 })).toEqual({ shard: 'whale-1', version: '1.0.0' });
    expect(await placedOf(routed, 'trade.order', { quantity: 1, priceUsd: 1 })).toMatchObject({ shard: 'gateway' });
  });

  it('sends a function this process does not host to the cluster', async () => {
    const { routed } = await gateway();
    const r = await routed.invoke('trade.whaleBook', {});
    expect(r.output).toEqual({ ranOn: 'whale-1' });
  });

  it('follows the registry: a placement requiring a tag this process lacks sends every call remote', async () => {
    const { routed, local } = await gateway();
    local.applyRules('trade.order', whalePlacement());
    expect(await placedOf(routed, 'trade.order', { quantity: 1, priceUsd: 1 })).toMatchObject({ shard: 'whale-1' });
    local.applyRules('trade.order', undefined);
    expect(await placedOf(routed, 'trade.order', { quantity: 1, priceUsd: 1 })).toMatchObject({ shard: 'gateway' });
  });

  it('runs nothing here when told to run no function here, and only the named ones when given names or prefixes', async () => {
    const none = await gateway([]);
    expect(await placedOf(none.routed, 'trade.order', { quantity: 1, priceUsd: 1 })).toMatchObject({ shard: 'whale-1' });
    const some = await gateway(['trade.*']);
    expect(await placedOf(some.routed, 'trade.order', { quantity: 1, priceUsd: 1 })).toMatchObject({ shard: 'gateway' });
    const other = await gateway(['risk.*', 'trade.orderBook']);
    expect(await placedOf(other.routed, 'trade.order', { quantity: 1, priceUsd: 1 })).toMatchObject({ shard: 'whale-1' });
  });

  it('lists local and cluster functions once each, and looks definitions up here first', async () => {
    const { routed } = await gateway();
    expect(routed.list().map((f) => f.name).sort()).toEqual(['trade.order', 'trade.whaleBook']);
    expect(routed.lookup('trade.order')).toBe(order);
    expect(() => routed.lookup('trade.nothing')).toThrow(FunctionNotFoundError);
  });
});
