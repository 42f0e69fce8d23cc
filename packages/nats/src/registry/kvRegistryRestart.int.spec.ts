// A node's registry watch survives its NATS server restarting: it resumes from the last applied revision, skipping and repeating nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import { FunctionManager, RegistryAdmin, RegistryWatcher, type RegistryChange } from '@lucent/runtime';
import { defineFunction } from '@lucent/core';
import { z } from 'zod';
import { PrivateNats } from '../testing/privateNats.js';
import { KvRegistryStore } from './kvRegistryStore.js';

const fn = defineFunction(
  { name: 'restart.fn', version: '1.0.0', input: z.object({}), output: z.object({}) },
  () => ({}),
);
const ops = { who: 'ops', why: 'restart test' };

/** The writer is not under test: right after a (re)start its first requests may time out while JetStream gets ready. */
async function retrying<T>(write: () => Promise<T>, withinMs = 30_000): Promise<T> {
  const end = Date.now() + withinMs;
  for (;;) {
    try {
      return await write();
    } catch (error) {
      if (Date.now() > end) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

describe('KV registry watch across a NATS server restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lucent-registry-nats-'));
  let server: PrivateNats | undefined;
  const connections: NatsConnection[] = [];
  afterAll(async () => {
    for (const nc of connections) await nc.close().catch(() => undefined);
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies every change made before, during and after the outage exactly once, in order', async () => {
    server = await PrivateNats.create(['-js', '-sd', dir]);
    const options = { servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 200 };
    const nodeNc = await connect(options);
    const writerNc = await connect(options);
    connections.push(nodeNc, writerNc);
    const nodeStore = await KvRegistryStore.open({ connection: nodeNc, bucket: 'restart', rewatchDelayMs: 100 });
    const admin = new RegistryAdmin(await KvRegistryStore.open({ connection: writerNc, bucket: 'restart' }));
    await retrying(() => admin.register('restart.fn', { version: '1.0.0', fingerprint: { input: 'i', output: 'o' } }, ops));

    const manager = new FunctionManager().register(fn);
    const applied: RegistryChange[] = [];
    const watcher = new RegistryWatcher({ store: nodeStore, manager, onApplied: (c) => applied.push(c), retryDelayMs: 100 });
    await watcher.start();
    const off = await admin.disable('restart.fn', ops);
    await watcher.waitForRevision(off.revision);

    await server.stop();
    await server.start();
    // Written while the node may still be reconnecting: it must arrive once the watch resumes.
    const on = await retrying(() => admin.update('restart.fn', (r) => ({ ...r!, enabled: true }), ops));
    const geofenced = await retrying(() => admin.jurisdictions('restart.fn', { deny: ['US'] }, ops));
    await watcher.waitForRevision(geofenced.revision, 30_000);

    expect(applied.map((c) => c.revision)).toEqual([1, off.revision, on.revision, geofenced.revision]);
    expect(manager.rulesOf('restart.fn')).toMatchObject({ enabled: true, jurisdictions: { deny: ['US'] } });
    await watcher.stop();
  }, 60_000);
});
