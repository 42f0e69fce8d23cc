// `lucent chaos set|show|clear`, run as an operator runs it, against a shard that follows a registry: the faults reach the shard and go again.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFunction, functionMap } from '@lucent/core';
import { ClusterClient } from '@lucent/runtime/cluster';
import { chaosBucketFor, connectNats, NatsTransport, parseShardConfig, registryBucketFor, startNatsShard, type RunningShard } from '@lucent/nats';
import { buildCli, lucent } from '../testing/runBuiltCli.js';

const url = process.env['LUCENT_NATS_URL'] ?? 'nats://127.0.0.1:4222';
const ping = defineFunction({ name: 'chaos.ping', version: '1.0.0', input: z.object({}), output: z.object({ ok: z.boolean() }) }, () => ({ ok: true }));
const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code: string }) => e.code);

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(condition()).toBe(true);
}

describe('lucent chaos', () => {
  const prefix = `lucent-clichaos-${randomBytes(4).toString('hex')}`;
  let shard: RunningShard;
  let transport: NatsTransport;
  let client: ClusterClient;

  beforeAll(async () => {
    await buildCli();
    shard = await startNatsShard({ config: parseShardConfig({ id: 'clichaos', nats: url, subjectPrefix: prefix, registry: {} }), functions: functionMap(ping) });
    transport = new NatsTransport({ connection: await connectNats({ url }), subjectPrefix: prefix, ownsConnection: true });
    client = new ClusterClient({ transport, functions: functionMap(ping) });
    await client.ready(1, 10_000);
  }, 240_000);

  afterAll(async () => {
    await shard?.stop(200);
    await client?.close();
    await transport?.close();
    const nc = await connectNats({ url });
    for (const bucket of [chaosBucketFor(prefix), registryBucketFor(prefix)]) await nc.jetstream().views.kv(bucket).then((kv) => kv.destroy());
    await nc.close();
  });

  it('set reaches a shard following the registry (its calls fail as injected), clear switches it off', async () => {
    expect(await code(client.invoke('chaos.ping', {}))).toBe('ok');
    const set = await lucent(['chaos', 'set', '--function', 'chaos.ping', '--error-rate', '1', '--json', '--prefix', prefix, '--nats', url]);
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout)).toEqual({ functions: { 'chaos.ping': { errorRate: 1 } } });
    await until(() => shard.chaos?.active === true);
    expect(await code(client.invoke('chaos.ping', {}))).toBe('FUNCTION_FAILED');

    const bad = await lucent(['chaos', 'set', '--shard', '*', '--drop-rate', '2', '--prefix', prefix, '--nats', url]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('shards.*.dropRate must be a share between 0 and 1');

    const cleared = await lucent(['chaos', 'clear', '--prefix', prefix, '--nats', url]);
    expect(cleared.stdout).toContain('chaos off');
    await until(() => shard.chaos?.active === false);
    expect(await code(client.invoke('chaos.ping', {}))).toBe('ok');
  }, 60_000);
});
