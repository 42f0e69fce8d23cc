// A gateway's RoutedInvoker over the machine's NATS: a local call, a remote one naming its shard, a placement-constrained one going remote.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FunctionManager, RoutedInvoker, type Placement } from '@lucent/runtime';
import { ClusterClient, Shard } from '@lucent/runtime/cluster';
import { gatewayFunctions, shardFunctions, whalePlacement, whaleRule } from '../../../runtime/src/invoker/fixtures/routedInvokerFixture.js';
import { connectNats } from '../transport/connectNats.js';
import { NatsTransport } from '../transport/natsTransport.js';

const url = process.env['LUCENT_NATS_URL'] ?? 'nats://127.0.0.1:4222';

describe('RoutedInvoker over NATS', () => {
  const subjectPrefix = `lucent-routed-${randomBytes(4).toString('hex')}`;
  let shardTransport: NatsTransport;
  let gatewayTransport: NatsTransport;
  let shard: Shard;
  let remote: ClusterClient;
  let local: FunctionManager;
  let routed: RoutedInvoker;

  beforeAll(async () => {
    shardTransport = new NatsTransport({ connection: await connectNats({ url }), subjectPrefix, ownsConnection: true });
    gatewayTransport = new NatsTransport({ connection: await connectNats({ url }), subjectPrefix, ownsConnection: true });
    const functions = new FunctionManager({ shard: () => shard.info() }).register(shardFunctions);
    shard = new Shard({ id: 'whale-1', tags: ['whale'], transport: shardTransport, reportIntervalMs: 200, functions });
    await shard.start();
    remote = new ClusterClient({ transport: gatewayTransport, functions: gatewayFunctions, rules: [whaleRule] });
    await remote.ready(1, 5_000);
    local = new FunctionManager({ shard: { id: 'gateway', load: 0, peers: [] } }).register(gatewayFunctions);
    routed = new RoutedInvoker({ local, remote, id: 'gateway', tags: ['gateway'], rules: [whaleRule] });
  });

  afterAll(async () => {
    await shard.stop(200);
    await remote.close();
    await gatewayTransport.close();
    await shardTransport.close();
  });

  const call = async (name: string, input: unknown): Promise<{ where: Placement; output: unknown }> => {
    let where: Placement | undefined;
    const { output } = await routed.invoke(name, input, { placed: (p) => (where = p) });
    return { where: where!, output };
  };

  it('runs a small order in the gateway itself', async () => {
    expect(await call('trade.order', { quantity: 2, priceUsd: 100 })).toEqual({ where: { shard: 'gateway', version: '1.0.0' }, output: { ranOn: 'gateway' } });
  });

  it('sends a whale order over NATS to the whale shard, which names itself and the version it ran', async () => {
    expect(await call('trade.order', { quantity: 50, priceUsd: 60_000 })).toEqual({ where: { shard: 'whale-1', version: '1.0.0' }, output: { ranOn: 'whale-1' } });
  });

  it('sends every call remote once the registry requires a tag the gateway lacks', async () => {
    local.applyRules('trade.order', whalePlacement());
    try {
      expect((await call('trade.order', { quantity: 1, priceUsd: 1 })).where).toEqual({ shard: 'whale-1', version: '1.0.0' });
    } finally {
      local.applyRules('trade.order', undefined);
    }
  });
});
