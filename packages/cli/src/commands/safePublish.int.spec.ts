// Operating a fresh three-shard cluster on real NATS with the built CLI: the registry lists compiled-in functions, publishing moves no traffic, activate and rollback do.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadReport } from '@lucent/core';
import { generateSigningKeyPair, RegistryAdmin } from '@lucent/runtime';
import { ClusterClient, ClusterRegistry } from '@lucent/runtime/cluster';
import type { KvRegistryStore, NatsTransport } from '@lucent/nats';
import { functions } from '../../../nats/src/testing/reliabilityFunctions.js';
import { lucent } from '../testing/runBuiltCli.js';
import { startSignedShardCluster, type SignedShardCluster } from '../testing/signedShardCluster.js';

const url = process.env['LUCENT_NATS_URL'] || 'nats://127.0.0.1:4222';
const tag = randomBytes(4).toString('hex');
const prefix = `lucent-test-${tag}`;
// No bucket is named anywhere below: the prefix names them, which keeps this cluster apart from any other on the server.
const ids = ['a', 'b', 'c'].map((s) => `safe${tag}${s}`);
const v2Module = fileURLToPath(new URL('./fixtures/testWorkV2.ts', import.meta.url));
const v3Module = fileURLToPath(new URL('./fixtures/testWorkV3.ts', import.meta.url));

describe('safe publishing on a fresh three-shard cluster', () => {
  let kit: SignedShardCluster | undefined;
  let dir: string;
  let transport: NatsTransport;
  let store: KvRegistryStore;
  let view: ClusterRegistry;
  let client: ClusterClient;
  let latest: ReadonlyMap<string, LoadReport>;
  const registry = (...args: string[]): string[] => ['registry', ...args, '--nats', url, '--prefix', prefix];

  beforeAll(async () => {
    kit = await startSignedShardCluster({ url, prefix, ids });
    ({ dir, transport, store, view, client, latest } = kit);
  }, 240_000);

  afterAll(async () => {
    await kit?.close();
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
    const published = await lucent(['publish', v2Module, '--key', path.join(dir, 'lucent-signing.key'), '--nats', url, '--prefix', prefix]);
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

  it('a bundle signed with the wrong key: `lucent publish` exits non-zero naming bad-signature; it can be withdrawn and published again with the right key', async () => {
    const strangerKey = path.join(dir, 'stranger.key');
    await writeFile(strangerKey, generateSigningKeyPair().privateKeyPem, { mode: 0o600 });
    const store = ['--nats', url, '--prefix', prefix];
    const refused = await lucent(['publish', v3Module, '--key', strangerKey, ...store]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('bad-signature');
    expect(refused.stderr).toMatch(/refused by 3 of 3 shards \(bad-signature\)/);
    const id = /bundle (\S+) \(/.exec(refused.stderr)?.[1];
    expect(id).toMatch(/^test\.work-3\.0\.0-/);

    // The operator sees the refusal per shard, without reading shard logs.
    const bundles = ['registry', 'bundles', 'test.work', '--nats', url, '--prefix', prefix];
    const listed = await lucent(bundles);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(id);
    for (const shard of ids) expect(listed.stdout).toContain(`${shard} refused: bad-signature`);
    expect(listed.stdout).toContain('test.work@3.0.0 not registered');

    const withdrawn = await lucent(['registry', 'withdraw', id!, '--nats', url, '--prefix', prefix]);
    expect(withdrawn.code, withdrawn.stderr).toBe(0);
    const good = await lucent(['publish', v3Module, '--key', path.join(dir, 'lucent-signing.key'), ...store]);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toContain(`bundle ${id}`);
    for (const shard of ids) expect(good.stdout).toContain(`${shard}: loaded`);
    expect(good.stdout).toContain('test.work@3.0.0: registered inactive, 1.0.0 keeps the traffic');
    expect(await answer()).toBe('1.0.0');
  }, 120_000);

  it('withdrawing an unused bundle removes its version from the registry and unloads it from every shard', async () => {
    const args = ['--nats', url, '--prefix', prefix];
    const listed = JSON.parse((await lucent(['registry', 'bundles', 'test.work', ...args, '--json'])).stdout) as { id: string; functions: string[] }[];
    const v3 = listed.find((b) => b.functions.includes('test.work@3.0.0'))!;
    await expect.poll(() => ids.every((id) => latest.get(id)?.functions['test.work']?.versions.includes('3.0.0')), { timeout: 30_000 }).toBe(true);
    const withdrawn = await lucent(['registry', 'withdraw', v3.id, ...args]);
    expect(withdrawn.code, withdrawn.stderr).toBe(0);
    expect(withdrawn.stdout).toContain('versions test.work@3.0.0 left the registry');
    expect(Object.keys((await store.get('test.work'))!.rules.versions).sort()).toEqual(['1.0.0', '2.0.0']);
    await expect.poll(() => ids.every((id) => !latest.get(id)?.functions['test.work']?.versions.includes('3.0.0')), { timeout: 30_000 }).toBe(true);

    // A version that still serves is not withdrawn: move traffic off it first.
    const v2 = listed.find((b) => b.functions.includes('test.work@2.0.0'))!;
    const activated = await lucent(registry('activate', 'test.work', '2.0.0'));
    expect(activated.code, activated.stderr).toBe(0);
    const kept = await lucent(['registry', 'withdraw', v2.id, ...args]);
    expect(kept.code).toBe(5);
    expect(kept.stderr).toContain('test.work@2.0.0 is active; move traffic off it first');
    expect((await lucent(registry('rollback', 'test.work'))).code).toBe(0);
  }, 120_000);

  it('read-only commands under another prefix create no bucket', async () => {
    const other = `lucent-empty-${tag}`;
    const list = await lucent(['registry', 'list', '--nats', url, '--prefix', other]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('(no functions in the registry)');
    const bundles = await lucent(['registry', 'bundles', '--nats', url, '--prefix', other]);
    expect(bundles.code, bundles.stderr).toBe(0);
    expect((await lucent(['registry', 'history', 'test.work', '--nats', url, '--prefix', other])).code).toBe(0);
    const jsm = await transport.connection.jetstreamManager();
    await expect(jsm.streams.info(`KV_${other}-registry`)).rejects.toThrow(/stream not found/);
    await expect(jsm.streams.info(`OBJ_${other.replace(/\./g, '_')}_bundles`)).rejects.toThrow(/stream not found/);
  }, 60_000);

  it('re-enable reaches a caller as fast as disable: no wait for the shards\' next load report', async () => {
    const admin = new RegistryAdmin(store);
    const audit = { who: 'test', why: 'kill switch latency' };
    const call = (n: number) => client.invoke('test.work', { n, ms: 0 }, { timeoutMs: 2_000 });
    /** ms from the write until a call issued then sees the change (a call every half millisecond or so). */
    const until = async (started: number, seen: () => Promise<boolean>): Promise<number> => {
      while (!(await seen())) await new Promise((r) => setImmediate(r));
      return performance.now() - started;
    };
    const disable: number[] = [];
    const enable: number[] = [];
    for (let i = 0; i < 20; i++) {
      let t = performance.now();
      await admin.disable('test.work', audit);
      disable.push(await until(t, () => call(i).then(() => false, (e: { code?: string }) => e.code === 'FUNCTION_DISABLED')));
      // The case that was slow: every shard has reported the function disabled by the time it is enabled again.
      await expect.poll(() => ids.every((id) => latest.get(id)?.functions['test.work']?.enabled === false), { timeout: 5_000, interval: 20 }).toBe(true);
      t = performance.now();
      await admin.enable('test.work', audit);
      enable.push(await until(t, () => call(i).then(() => true, () => false)));
    }
    const p = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
    const figures = { disable: { p50: p(disable, 0.5), p99: p(disable, 0.99) }, enable: { p50: p(enable, 0.5), p99: p(enable, 0.99) } };
    const round = (_: string, v: unknown): unknown => (typeof v === 'number' ? Number(v.toFixed(1)) : v);
    console.log(`kill switch reaching a caller (20 changes, 3 shards, report interval 250 ms): ${JSON.stringify(figures, round)} enable ${JSON.stringify(enable, round)}`);
    // Reports come every 250 ms here: waiting for the next one put a re-enable at p50 92 ms, p99 175 ms
    // (measured with the router still trusting the reports); without the wait it is the registry watch plus one call.
    // That call is the whole difference: a disable is seen by a local refusal, a re-enable only by a remote answer
    // (the change itself reaches every node alike: registryNodes.serial.int.spec.ts and the registry.propagation bench measure both).
    // Relative to the disable on the same machine, so a loaded test machine slows both alike.
    expect(figures.enable.p50 - figures.disable.p50).toBeLessThan(50);
  }, 120_000);

  it('`lucent registry shadow-report` sums every shard\'s shadow comparisons over NATS, without a database', async () => {
    const on = await lucent(registry('shadow', 'test.work', '2.0.0'));
    expect(on.code, on.stderr).toBe(0);
    await settle();
    await expect.poll(() => ids.every((id) => latest.get(id)?.functions['test.work']?.versions.includes('2.0.0')), { timeout: 30_000 }).toBe(true);
    for (let n = 0; n < 30; n++) await client.invoke('test.work', { n, ms: 0 }, { timeoutMs: 5_000 });
    const report = await lucent(registry('shadow-report', 'test.work'));
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain('from 3 shards');
    expect(report.stdout).toContain('live 1.0.0 vs shadow 2.0.0: 100.0% agree');
    expect(report.stdout).toContain('agreed 30, diverged 0, failed 0');
    expect(report.stdout).toContain('skipped 0 (shadow runs at maxInFlight: live traffic first), sampled out 0 (sampleRate)');
    expect((await lucent(registry('shadow', 'test.work', 'off'))).code).toBe(0);
  }, 60_000);
});
