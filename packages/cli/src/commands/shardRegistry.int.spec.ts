// Registry and hot deployment across processes: three shard processes and a caller on real NATS, a version published with the built CLI, weights, kill switch, placement.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FunctionDisabledError, JurisdictionDeniedError, selectVersion, type FunctionRules, type LoadReport } from '@lucent/core';
import { RegistryAdmin } from '@lucent/runtime';
import { ClusterClient, ClusterRegistry } from '@lucent/runtime/cluster';
import { connectNats, KvRegistryStore, NatsTransport } from '@lucent/nats';
import { functions, work as workV1 } from '../../../nats/src/testing/reliabilityFunctions.js';
import { startShardProcess, type ShardProcess } from '../../../nats/src/testing/shardProcesses.js';
import { fingerprint } from '../generate/generateRegistry.js';
import { buildCli, lucent } from '../testing/runBuiltCli.js';

const url = process.env['LUCENT_NATS_URL'] ?? 'nats://127.0.0.1:4222';
const tag = randomBytes(4).toString('hex');
const prefix = `lucent-test-${tag}`;
const registryBucket = `lucent-registry-test-${tag}`;
const bundleBucket = `lucent_bundles_test_${tag}`;
const ids = ['a', 'b', 'c'].map((s) => `reg${tag}${s}`);
const [A, B, C] = ids as [string, string, string];
const shardTags = ['aave', 'arbitrage', 'whale'];
const v2Module = fileURLToPath(new URL('./fixtures/testWorkV2.ts', import.meta.url));
const audit = { who: 'test', why: 'registry across processes' };

interface Outcome {
  readonly user: string;
  /** The caller's registry revision when the call was issued: the rules it was selected by. */
  readonly revision: number;
  readonly version?: '1.0.0' | '2.0.0';
  readonly shard?: string;
  readonly error?: string;
}

const until = async (what: string, done: () => boolean, timeoutMs = 30_000): Promise<void> => {
  const stopAt = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > stopAt) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('the registry across shard processes', () => {
  let dir: string;
  let shards: ShardProcess[] = [];
  let store: KvRegistryStore;
  let admin: RegistryAdmin;
  let transport: NatsTransport;
  let view: ClusterRegistry;
  let client: ClusterClient;
  const latest = new Map<string, LoadReport>();
  let heard: LoadReport[] = [];

  beforeAll(async () => {
    await buildCli();
    dir = await mkdtemp(path.join(tmpdir(), 'lucent-shard-registry-'));
    const keygen = await lucent(['keygen', '--out', dir]);
    expect(keygen.code, keygen.stderr).toBe(0);

    transport = new NatsTransport({ connection: await connectNats({ url }), subjectPrefix: prefix, ownsConnection: true });
    store = await KvRegistryStore.open({ connection: transport.connection, bucket: registryBucket });
    admin = new RegistryAdmin(store);
    // Version 1 is compiled into the shards; the registry learns it as an operator (or a deploy step) registers it.
    await admin.register(
      workV1.name,
      { version: '1.0.0', fingerprint: { input: fingerprint(workV1.input, 'input').hash, output: fingerprint(workV1.output, 'output').hash } },
      audit,
    );
    transport.onLoad((report) => {
      latest.set(report.shardId, report);
      heard.push(report);
    });

    shards = await Promise.all(
      ids.map((id, i) =>
        startShardProcess({
          id,
          tags: [shardTags[i]!],
          nats: url,
          subjectPrefix: prefix,
          reportIntervalMs: 250,
          only: ['test.work'],
          registry: { bucket: registryBucket },
          bundles: { bucket: bundleBucket, publicKeyFile: path.join(dir, 'lucent-signing.pub') },
        }),
      ),
    );
    view = new ClusterRegistry(store);
    await view.start();
    client = new ClusterClient({
      transport,
      functions,
      registry: view,
      liveness: { intervalMs: 250, missedReports: 3 },
      attemptTimeoutMs: 1_000,
    });
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

  const versionsOn = (id: string): readonly string[] => latest.get(id)?.functions['test.work']?.versions ?? [];
  const enabledOn = (id: string): boolean | undefined => latest.get(id)?.functions['test.work']?.enabled;
  const pids = (): (number | undefined)[] => shards.map((s) => s.child.pid);

  /** Calls as sticky users, `concurrency` at a time, bounded in count and time; `onProgress` may change the registry meanwhile. */
  async function usersLoad(o: { calls: number; concurrency: number; maxDurationMs: number; onProgress?: (done: number) => void }): Promise<Outcome[]> {
    const out: Outcome[] = [];
    const stopAt = Date.now() + o.maxDurationMs;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < o.calls && Date.now() < stopAt) {
        const n = next++;
        const user = `user-${n % 40}`;
        // Selection runs synchronously at the start of invoke, so this is the revision the call was decided by.
        const revision = view.revision;
        try {
          const r = await client.invoke('test.work', { n, ms: 3 }, { timeoutMs: 5_000, business: { userId: user } });
          out.push({ user, revision, version: r.events.length > 0 ? '2.0.0' : '1.0.0', shard: (r.output as { shard: string }).shard });
        } catch (error) {
          out.push({ user, revision, error: `${(error as { code?: string }).code}: ${String(error)}` });
        }
        o.onProgress?.(out.length);
      }
    };
    await Promise.all(Array.from({ length: o.concurrency }, worker));
    return out;
  }

  it('loads a version published with the built CLI on every running shard, without a restart; their reports list it', async () => {
    const before = pids();
    for (const id of ids) expect(versionsOn(id)).toEqual(['1.0.0']);
    const published = await lucent(['publish', v2Module, '--key', path.join(dir, 'lucent-signing.key'), '--nats', url, '--bucket', bundleBucket, '--json']);
    expect(published.code, published.stderr).toBe(0);

    await until('every shard to report test.work@2.0.0', () => ids.every((id) => versionsOn(id).includes('2.0.0')));
    expect(pids()).toEqual(before);
    expect(shards.every((s) => s.child.exitCode === null && s.child.signalCode === null)).toBe(true);
    // Recorded in the registry by the shards' deployers, inactive: traffic stays on version 1.
    const rules = (await store.get('test.work'))!.rules;
    expect(Object.keys(rules.versions).sort()).toEqual(['1.0.0', '2.0.0']);
    expect(rules.versions['2.0.0']?.bundle?.location).toBe((JSON.parse(published.stdout) as { id: string }).id);
    expect(rules.active).toBe('1.0.0');
    const calls = await usersLoad({ calls: 60, concurrency: 4, maxDurationMs: 20_000 });
    expect(calls.filter((c) => c.error)).toEqual([]);
    expect(new Set(calls.map((c) => c.version))).toEqual(new Set(['1.0.0']));
  }, 90_000);

  it('moves sticky users to the new version as weights change under steady load, failing no call', async () => {
    const start = (await store.get('test.work'))!;
    const rulesAt = new Map<number, FunctionRules>([[start.revision, start.rules]]);
    let changing = Promise.resolve();
    const change = (weights: Record<string, number>): void => {
      changing = changing.then(async () => {
        const entry = await admin.weights('test.work', weights, audit);
        rulesAt.set(entry.revision, entry.rules);
      });
    };
    await view.waitForRevision(start.revision);
    const outcomes = await usersLoad({
      calls: 2_400,
      concurrency: 6,
      maxDurationMs: 60_000,
      onProgress: (done) => {
        if (done === 400) change({ '2.0.0': 30 });
        if (done === 1_400) change({ '2.0.0': 100 });
      },
    });
    await changing;

    expect(outcomes.filter((o) => o.error)).toEqual([]);
    expect(outcomes.length).toBe(2_400);
    const revisions = [...rulesAt.keys()].sort((x, y) => x - y);
    expect(revisions).toHaveLength(3);
    const [r0, r30, r100] = revisions as [number, number, number];
    const rulesFor = (revision: number): FunctionRules => rulesAt.get(revisions.filter((r) => r <= revision).at(-1) ?? r0)!;
    // Every call was answered by the version the pure selection gives its user under the rules it was decided by.
    for (const o of outcomes) {
      const expected = selectVersion(rulesFor(o.revision), { userId: o.user });
      expect('version' in expected && expected.version, `${o.user} at revision ${o.revision}`).toBe(o.version);
    }
    const phase = (from: number, to: number): Outcome[] => outcomes.filter((o) => o.revision >= from && o.revision < to);
    const at30 = phase(r30, r100);
    const at100 = phase(r100, Number.POSITIVE_INFINITY);
    expect(phase(r0, r30).length).toBeGreaterThan(100);
    expect(at30.length).toBeGreaterThan(100);
    expect(at100.length).toBeGreaterThan(100);
    expect(phase(r0, r30).every((o) => o.version === '1.0.0')).toBe(true);
    // At 30% some users moved and some did not, and each user stayed on one version throughout the phase.
    const usersOn = (runs: Outcome[], v: string): Set<string> => new Set(runs.filter((o) => o.version === v).map((o) => o.user));
    const moved = usersOn(at30, '2.0.0');
    expect(moved.size).toBeGreaterThan(0);
    expect(usersOn(at30, '1.0.0').size).toBeGreaterThan(0);
    expect([...moved].filter((u) => usersOn(at30, '1.0.0').has(u))).toEqual([]);
    expect(at100.every((o) => o.version === '2.0.0')).toBe(true);
    // Both versions ran on every shard: the router sent the selected version to shards that host it.
    expect(new Set(at100.map((o) => o.shard))).toEqual(new Set(ids));
  }, 90_000);

  /** Wait for one report from every shard: after it, no report counts a call made before this point. */
  async function quietReports(): Promise<void> {
    heard = [];
    await until('a report from every shard', () => ids.every((id) => heard.some((r) => r.shardId === id)));
    heard = [];
  }

  /** Sum of `test.work` calls the shards counted since `quietReports()`, once each shard has sent two more reports. */
  async function callsReachingShards(): Promise<number> {
    // A report counts the calls since the previous one: two fresh reports from every shard cover everything sent before.
    const from = heard.length;
    await until('two reports from every shard', () => ids.every((id) => heard.slice(from).filter((r) => r.shardId === id).length >= 2));
    return heard.reduce((sum, r) => sum + (r.functions['test.work']?.calls ?? 0), 0);
  }

  it('refuses a disabled function on the client, before the shards report it, without reaching any shard; the shards refuse it too', async () => {
    await quietReports();
    const off = await admin.disable('test.work', audit);
    await view.waitForRevision(off.revision);
    // No wait for the shards: their reports may still say "enabled", so only the caller's own view can refuse here.
    const refused = await Promise.allSettled(
      Array.from({ length: 50 }, (_, n) => client.invoke('test.work', { n, ms: 1 }, { timeoutMs: 5_000, business: { userId: `user-${n}` } })),
    );
    expect(refused.every((r) => r.status === 'rejected' && r.reason instanceof FunctionDisabledError)).toBe(true);
    expect(await callsReachingShards()).toBe(0);

    // Every shard applies the kill switch too: a caller that skips the registry (or follows it late) is refused there.
    await until('every shard to apply the kill switch', () => ids.every((id) => enabledOn(id) === false));
    const direct = await transport.request(
      A,
      { name: 'test.work', version: '2.0.0', input: { n: 1, ms: 1 }, deadline: Date.now() + 5_000, correlationId: `direct-${tag}`, attempt: 1 },
      Date.now() + 5_000,
    );
    expect(direct).toMatchObject({ ok: false, error: { code: 'FUNCTION_DISABLED' } });

    const on = await admin.enable('test.work', audit);
    await view.waitForRevision(on.revision);
    await until('every shard to apply the re-enable', () => ids.every((id) => enabledOn(id) === true));
    await expect(client.invoke('test.work', { n: 2, ms: 1 }, { timeoutMs: 5_000 })).resolves.toMatchObject({ output: { n: 2 } });
  }, 60_000);

  it('refuses a denied jurisdiction (from the call context) on the client without reaching any shard; others are served', async () => {
    await quietReports();
    const fenced = await admin.jurisdictions('test.work', { deny: ['FR'] }, audit);
    await view.waitForRevision(fenced.revision);
    const refused = await Promise.allSettled(
      Array.from({ length: 20 }, (_, n) => client.invoke('test.work', { n, ms: 1 }, { timeoutMs: 5_000, business: { userId: `user-${n}`, jurisdiction: 'FR' } })),
    );
    expect(refused.every((r) => r.status === 'rejected' && r.reason instanceof JurisdictionDeniedError)).toBe(true);
    expect(await callsReachingShards()).toBe(0);
    await expect(client.invoke('test.work', { n: 3, ms: 1 }, { timeoutMs: 5_000, business: { jurisdiction: 'DE' } })).resolves.toMatchObject({ output: { n: 3 } });
    const open = await admin.jurisdictions('test.work', {}, audit);
    await view.waitForRevision(open.revision);
  }, 60_000);

  it('lands every call on the one tagged shard a placement rule pins the function to', async () => {
    const pinned = await admin.placement('test.work', { requireTags: ['whale'] }, audit);
    await view.waitForRevision(pinned.revision);
    const outcomes = await usersLoad({ calls: 300, concurrency: 6, maxDurationMs: 30_000 });
    expect(outcomes.filter((o) => o.error)).toEqual([]);
    expect(new Set(outcomes.map((o) => o.shard))).toEqual(new Set([C]));

    const free = await admin.placement('test.work', {}, audit);
    await view.waitForRevision(free.revision);
    const spread = await usersLoad({ calls: 300, concurrency: 6, maxDurationMs: 30_000 });
    expect(spread.filter((o) => o.error)).toEqual([]);
    expect(new Set(spread.map((o) => o.shard)).size).toBeGreaterThan(1);
    expect([A, B].some((id) => spread.some((o) => o.shard === id))).toBe(true);
  }, 60_000);
});
