// A node's registry watch whose consumer lived on a NATS server that died, while the node stays connected to another server of the cluster, gets the next change within seconds, not after the consumer's heartbeats are missed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from 'nats';
import { RegistryAdmin, type RegistryChange, type RegistryWatch } from '@lucent/runtime';
import { freePort } from '../../../../test/support/freePort.js';
import { PrivateNats } from '../testing/privateNats.js';
import { connectNats } from '../transport/connectNats.js';
import { KvRegistryStore } from './kvRegistryStore.js';

const ops = { who: 'ops', why: 'stalled watch test' };
const bucket = 'stall-registry';

async function retrying<T>(what: () => Promise<T>, withinMs = 30_000): Promise<T> {
  const end = Date.now() + withinMs;
  for (;;) {
    try {
      return await what();
    } catch (error) {
      if (Date.now() > end) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

describe('KV registry watch when the server holding its consumer dies', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lucent-registry-stall-'));
  const servers: PrivateNats[] = [];
  const connections: NatsConnection[] = [];
  afterAll(async () => {
    for (const nc of connections) await nc.close().catch(() => undefined);
    for (const s of servers) await s.stop(true);
    rmSync(dir, { recursive: true, force: true });
  });

  it('re-opens the watch from where it was: the next change arrives within 4 s of the cluster making consumers again, before nats.js would miss one heartbeat (5 s)', async () => {
    // Three servers clustered by routes, JetStream on each: the bucket at three replicas keeps its quorum with one down.
    const routes = await Promise.all([freePort(), freePort(), freePort()]);
    for (let i = 0; i < 3; i++) {
      const others = routes.filter((_, k) => k !== i).map((p) => `nats://127.0.0.1:${p}`);
      servers.push(
        await PrivateNats.create(['-n', `s${i}`, '-js', '-sd', join(dir, `s${i}`), '--cluster_name', 'stall', '--cluster', `nats://127.0.0.1:${routes[i]}`, '--routes', others.join(',')]),
      );
    }
    const all = servers.map((s) => s.url).join(',');
    const writer = await connectNats({ url: all, env: {} });
    connections.push(writer);
    const writerStore = await retrying(() => KvRegistryStore.open({ connection: writer, bucket, replicas: 3 }));
    const admin = new RegistryAdmin(writerStore);
    await retrying(() => admin.register('stall.fn', { version: '1.0.0', fingerprint: { input: 'i', output: 'o' } }, ops));

    // The node is connected to server 0 only; its watch's consumer must live elsewhere for the case to arise.
    const node = await connectNats({ url: servers[0]!.url, env: {} });
    connections.push(node);
    const nodeStore = await KvRegistryStore.open({ connection: node, bucket, rewatchDelayMs: 100, stallCheckMs: 250 });
    const jsm = await writer.jetstreamManager();
    const seen: RegistryChange[] = [];
    let watch: RegistryWatch | undefined;
    let host: string | undefined;
    const earlier = new Set<string>();
    for (let attempt = 0; attempt < 20 && (host === undefined || host === 's0'); attempt++) {
      await watch?.stop();
      watch = nodeStore.watch({ onChange: (c) => seen.push(c) });
      await watch.ready;
      host = undefined;
      // The new consumer shows in the listing (with its server) a moment after the watch is ready; stopped ones may linger.
      for (let look = 0; look < 20 && host === undefined; look++) {
        const fresh = (await jsm.consumers.list(`KV_${bucket}`).next()).filter((c) => !earlier.has(c.name));
        host = fresh.length === 1 ? fresh[0]!.cluster?.leader || undefined : undefined;
        if (host !== undefined) earlier.add(fresh[0]!.name);
        else await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(host, 'a watch consumer placed on another server than the node’s').toMatch(/^s[12]$/);

    await servers[Number(host!.slice(1))]!.stop(true);
    const { revision } = await retrying(() => admin.disable('stall.fn', ops));
    const writtenAt = Date.now();
    // Re-opening a watch needs a new consumer, which the cluster makes only once it has a meta leader again
    // (the dead server may have been it): timed from when a fresh watch of the writer's opens.
    const probeOpen = (async () => {
      for (;;) {
        const probe = writerStore.watch({ onChange: () => undefined });
        const opened = await Promise.race([probe.ready.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 1_000))]).catch(() => false);
        await probe.stop();
        if (opened) return Date.now();
      }
    })();
    while (!seen.some((c) => c.revision === revision) && Date.now() - writtenAt < 20_000) await new Promise((r) => setTimeout(r, 20));
    const arrivedAt = Date.now();
    const consumersAgainAt = await probeOpen;
    console.log(`the change reached the node ${arrivedAt - writtenAt} ms after the write, ${arrivedAt - consumersAgainAt} ms after the cluster made consumers again`);
    expect(seen.filter((c) => c.revision === revision)).toHaveLength(1);
    // Two checks (250 ms apart) and a re-open, which waits for the cluster to make the new consumer (0.5–0.6 s here, 2.8 s once on a fresh
    // clone); without the check nats.js waits for the consumer's missed heartbeats (5 s each).
    expect(arrivedAt - Math.max(writtenAt, consumersAgainAt)).toBeLessThan(4_000);
    await watch?.stop();
    await nodeStore.close();
    await writerStore.close();
  }, 90_000);
});
