// Operating a fresh three-shard cluster on real NATS with the built CLI: the registry lists compiled-in functions, publishing moves no traffic, activate and rollback do.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadReport } from '@lucent/core';
import { ClusterClient, ClusterRegistry } from '@lucent/runtime';
import { connectNats, KvRegistryStore, NatsTransport } from '@lucent/nats';
import { functions } from '../../../nats/src/testing/reliabilityFunctions.js';
import { startShardProcess, type ShardProcess } from '../../../nats/src/testing/shardProcesses.js';
import { buildCli, lucent } from '../testing/runBuiltCli.js';

const url = process.env['LUCENT_NATS_URL'] || 'nats://127.0.0.1:4222';
const tag = randomBytes(4).toString('hex');
const prefix = `lucent-test-${tag}`;
const registryBucket = `lucent-registry-test-${tag}`;
const bundleBucket = `lucent_bundles_test_${tag}`;
const ids = ['a', 'b', 'c'].map((s) => `safe${tag}${s}`);
const v2Module = fileURLToPath(new URL('./fixtures/testWorkV2.ts', import.meta.url));

describe('safe publishing on a fresh three-shard cluster', () => {
  let dir: string;
  let shards: ShardProcess[] = [];
  let transport: NatsTransport;
  let store: KvRegistryStore;
  let view: ClusterRegistry;
  let client: ClusterClient;
  const latest = new Map<string, LoadReport>();
  const registry = (...args: string[]): string[] => ['registry', ...args, '--nats', url, '--bucket', registryBucket];

  beforeAll(async () => {
    await buildCli();
    dir = await mkdtemp(path.join(tmpdir(), 'lucent-safe-publish-'));
    const keygen = await lucent(['keygen', '--out', dir]);
    expect(keygen.code, keygen.stderr).toBe(0);
    // Nothing is registered by hand: the shards do it for what is compiled into them.
    shards = await Promise.all(
      ids.map((id) =>
        startShardProcess({
          id,
          nats: url,
          subjectPrefix: prefix,
          reportIntervalMs: 250,
          registry: { bucket: registryBucket },
          bundles: { bucket: bundleBucket, publicKeyFile: path.join(dir, 'lucent-signing.pub') },
        }),
      ),
    );
    transport = new NatsTransport({ connection: await connectNats({ url }), subjectPrefix: prefix, ownsConnection: true });
    transport.onLoad((report) => latest.set(report.shardId, report));
    store = await KvRegistryStore.open({ connection: transport.connection, bucket: registryBucket });
    view = new ClusterRegistry(store);
    await view.start();
    client = new ClusterClient({ transport, functions, registry: view, liveness: { intervalMs: 250, missedReports: 3 }, attemptTimeoutMs: 2_000 });
    await client.ready(3, 30_000);
  }, 240_000);

  afterAll(async () => {
    await Promise.all(shards.map((s) => s.stop()));
    await client?.close();
    await view?.stop();
    await store?.close();
    const jsm = await transport?.connection.jetstreamManager();
    await jsm?.streams.delete(`KV_${registryBucket}`).catch(() => undefined);
    await jsm?.streams.delete(`OBJ_${bundleBucket}`).catch(() => undefined);
    await transport?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Which version answered: version 2 emits an event, version 1 none. */
  const answer = async (): Promise<string> => {
    const versions = new Set<string>();
    for (let n = 0; n < 12; n++) {
      const r = await client.invoke('test.work', { n, ms: 0 }, { timeoutMs: 5_000, business: { userId: `user-${n}` } });
      versions.add(r.events.length > 0 ? '2.0.0' : '1.0.0');
    }
    expect(versions.size).toBe(1);
    return [...versions][0]!;
  };
  const settle = async (): Promise<void> => {
    const entry = await store.get('test.work');
    await view.waitForRevision(entry!.revision);
  };

  it('lists every compiled-in function right after the shards start, with no manual registration', async () => {
    const list = await lucent(registry('list', '--json'));
    expect(list.code, list.stderr).toBe(0);
    const entries = JSON.parse(list.stdout) as { name: string; rules: { active: string; enabled: boolean } }[];
    expect(entries.map((e) => e.name).sort()).toEqual(Object.keys(functions).map((k) => functions[k as keyof typeof functions].name).sort());
    expect(entries.every((e) => e.rules.enabled)).toBe(true);
  });

  it('publishing a new version moves no traffic; activate moves it; rollback moves it back, with an audit record', async () => {
    expect(await answer()).toBe('1.0.0');
    const published = await lucent(['publish', v2Module, '--key', path.join(dir, 'lucent-signing.key'), '--nats', url, '--bucket', bundleBucket]);
    expect(published.code, published.stderr).toBe(0);
    await expect.poll(async () => Object.keys((await store.get('test.work'))!.rules.versions).sort(), { timeout: 30_000 }).toEqual(['1.0.0', '2.0.0']);
    await settle();
    expect((await store.get('test.work'))!.rules.active).toBe('1.0.0');
    expect(await answer()).toBe('1.0.0');

    // Routers send a version only to shards that report hosting it: wait until every shard does.
    await expect
      .poll(() => ids.filter((id) => latest.get(id)?.functions['test.work']?.versions.includes('2.0.0')).length, { timeout: 30_000 })
      .toBe(3);
    const activated = await lucent(registry('activate', 'test.work', '2.0.0', '--reason', 'release v2'));
    expect(activated.code, activated.stderr).toBe(0);
    await settle();
    expect(await answer()).toBe('2.0.0');

    const rolledBack = await lucent(registry('rollback', 'test.work', '--reason', 'v2 misbehaves'));
    expect(rolledBack.code, rolledBack.stderr).toBe(0);
    expect(rolledBack.stdout).toContain('active:        1.0.0');
    await settle();
    expect(await answer()).toBe('1.0.0');

    const history = await lucent(registry('history', 'test.work', '--limit', '1'));
    expect(history.code, history.stderr).toBe(0);
    expect(history.stdout).toMatch(/active 2\.0\.0 → 1\.0\.0 — v2 misbehaves/);
  }, 120_000);
});
