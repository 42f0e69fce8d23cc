// An operator's registry steps on two shard processes, with the built CLI on real NATS: a new function's first publish, `rollback --to`, a shadow that diverges.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadReport } from '@lucent/core';
import { ClusterClient, ClusterRegistry } from '@lucent/runtime/cluster';
import type { KvRegistryStore } from '@lucent/nats';
import { lucent } from '../testing/runBuiltCli.js';
import { startSignedShardCluster, type SignedShardCluster } from '../testing/signedShardCluster.js';

const url = process.env['LUCENT_NATS_URL'] || 'nats://127.0.0.1:4222';
const pgUrl = process.env['LUCENT_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const tag = randomBytes(4).toString('hex');
const prefix = `lucent-ops-${tag}`;
const schema = `lucent_ops_${tag}`;
const ids = ['a', 'b'].map((s) => `ops${tag}${s}`);
const fixture = (file: string): string => fileURLToPath(new URL(`./fixtures/${file}`, import.meta.url));

describe('registry operations on a two-shard cluster, through the built CLI', () => {
  let kit: SignedShardCluster | undefined;
  let dir: string;
  let store: KvRegistryStore;
  let view: ClusterRegistry;
  let client: ClusterClient;
  let latest: ReadonlyMap<string, LoadReport>;
  const cluster = ['--nats', url, '--prefix', prefix];
  const registry = (...args: string[]): string[] => ['registry', ...args, ...cluster];
  const publish = (file: string): ReturnType<typeof lucent> => lucent(['publish', fixture(file), '--key', path.join(dir, 'lucent-signing.key'), ...cluster]);
  /** Resolve once this process's registry view has the function's newest rules. */
  const settle = async (name: string): Promise<void> => {
    await view.waitForRevision((await store.get(name))!.revision);
  };
  /** Routers send a version only to shards that report hosting it. */
  const hostedEverywhere = (name: string, version: string): Promise<void> =>
    expect.poll(() => ids.every((id) => latest.get(id)?.functions[name]?.versions.includes(version)), { timeout: 30_000 }).toBe(true);

  beforeAll(async () => {
    kit = await startSignedShardCluster({ url, prefix, ids });
    ({ dir, store, view, client, latest } = kit);
  }, 240_000);

  afterAll(async () => {
    await kit?.close();
    const db = new pg.Client({ connectionString: pgUrl });
    await db.connect();
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.end();
  });

  it('publishing a function no shard knows prints that it was registered disabled and how to start it; `lucent registry enable` does', async () => {
    const published = await publish('greetV1.ts');
    expect(published.code, published.stderr).toBe(0);
    expect(published.stdout).toContain('test.greet@1.0.0: first version of a new function, registered disabled; start it with `lucent registry enable test.greet`');
    await hostedEverywhere('test.greet', '1.0.0');
    await settle('test.greet');
    // Loaded on every shard, and still no traffic: the hint is the truth.
    await expect(client.invoke('test.greet', { name: 'ops' }, { timeoutMs: 5_000 })).rejects.toMatchObject({ code: 'FUNCTION_DISABLED' });

    const enabled = await lucent(registry('enable', 'test.greet', '--reason', 'release greet'));
    expect(enabled.code, enabled.stderr).toBe(0);
    expect(enabled.stdout).not.toContain('is disabled and serves no call');
    await settle('test.greet');
    expect((await client.invoke('test.greet', { name: 'ops' }, { timeoutMs: 5_000 })).output).toEqual({ greeting: 'hello ops' });
  }, 90_000);

  /** Which version answered: versions 2 and 3 each emit their own event, version 1 none. */
  const answer = async (): Promise<string> => {
    const versions = new Set<string>();
    for (let n = 0; n < 12; n++) {
      const r = await client.invoke('test.work', { n, ms: 0 }, { timeoutMs: 5_000, business: { userId: `user-${n}` } });
      versions.add(r.events[0]?.type === 'WorkDoneByV2' ? '2.0.0' : r.events[0]?.type === 'WorkDoneByV3' ? '3.0.0' : '1.0.0');
    }
    expect(versions.size).toBe(1);
    return [...versions][0]!;
  };

  it('`rollback --to VERSION` restores that version, not the previous one; calls follow and the audited history records it', async () => {
    for (const file of ['testWorkV2.ts', 'testWorkV3.ts']) {
      const published = await publish(file);
      expect(published.code, published.stderr).toBe(0);
    }
    await hostedEverywhere('test.work', '2.0.0');
    await hostedEverywhere('test.work', '3.0.0');
    for (const version of ['2.0.0', '3.0.0']) {
      const activated = await lucent(registry('activate', 'test.work', version));
      expect(activated.code, activated.stderr).toBe(0);
    }
    await settle('test.work');
    expect(await answer()).toBe('3.0.0');

    const unknown = await lucent(registry('rollback', 'test.work', '--to', '9.9.9'));
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('test.work@9.9.9 is not registered');

    // Plain `rollback` would restore 2.0.0 (active before 3.0.0); --to skips it.
    const audited = ['--database', pgUrl, '--schema', schema, '--who', 'ops-oncall'];
    const rolledBack = await lucent(registry('rollback', 'test.work', '--to', '1.0.0', '--reason', 'v2 and v3 both wrong', ...audited));
    expect(rolledBack.code, rolledBack.stderr).toBe(0);
    expect(rolledBack.stdout).toContain('lucent registry rollback: applied');
    expect(rolledBack.stdout).toContain('active:        1.0.0');
    await settle('test.work');
    expect(await answer()).toBe('1.0.0');

    // Read from the event store (--database): the audit trail, not only the bucket's recent values.
    const history = await lucent(registry('history', 'test.work', '--limit', '1', ...audited));
    expect(history.code, history.stderr).toBe(0);
    expect(history.stdout).toMatch(/ops-oncall: active 3\.0\.0 → 1\.0\.0 — v2 and v3 both wrong/);
  }, 120_000);

  it('`lucent registry shadow-report` over NATS counts a diverging shadow and shows the inputs it diverged on, with both outputs', async () => {
    const published = await publish('testWorkDiverging.ts');
    expect(published.code, published.stderr).toBe(0);
    await hostedEverywhere('test.work', '4.0.0');
    const on = await lucent(registry('shadow', 'test.work', '4.0.0'));
    expect(on.code, on.stderr).toBe(0);
    await settle('test.work');
    for (let n = 0; n < 30; n++) {
      const r = await client.invoke('test.work', { n, ms: 0 }, { timeoutMs: 5_000 });
      // The shadow's answer never reaches the caller.
      expect(r.output).toMatchObject({ n });
    }

    // Shadows run after the live reply: wait until all 30 are counted.
    type Pair = { agreed: number; diverged: number; failed: number };
    const compared = async (): Promise<number> => {
      const r = await lucent(registry('shadow-report', 'test.work', '--json'));
      const pairs = (JSON.parse(r.stdout) as { pairs: Pair[] }).pairs;
      return pairs.reduce((sum, p) => sum + p.agreed + p.diverged + p.failed, 0);
    };
    await expect.poll(compared, { timeout: 15_000 }).toBe(30);

    const report = await lucent(registry('shadow-report', 'test.work'));
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain(`from 2 shards (${ids.join(', ')})`);
    expect(report.stdout).toContain('live 1.0.0 vs shadow 4.0.0: 89.7% agree');
    expect(report.stdout).toContain('agreed 26, diverged 3, failed 1 (the shadow threw)');
    expect(report.stdout).toContain('skipped 0 (shadow runs at maxInFlight: live traffic first), sampled out 0 (sampleRate)');
    // Every divergence is an example (at most five are kept): the input, then the live and the shadow output.
    for (const n of [3, 13, 23]) {
      expect(report.stdout).toMatch(new RegExp(`diverged \\S+(?: \\(\\S+\\))?: input \\{"n":${n},"ms":0\\}\\n\\s+live\\s+\\{"n":${n},"shard":"(\\S+)"\\}\\n\\s+shadow \\{"n":${n + 1},"shard":"\\1"\\}`));
    }
    expect(report.stdout.match(/ {4}diverged /g)).toHaveLength(3);
    expect((await lucent(registry('shadow', 'test.work', 'off'))).code).toBe(0);
  }, 120_000);
});
