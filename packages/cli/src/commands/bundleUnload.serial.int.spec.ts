// Withdrawn bundles leave a running shard's memory: four bundles loaded then withdrawn, measured from the shard's own load reports (RSS).
// A serial spec: RSS falls back only as the shard's collector runs, which another spec's load on the same two cores delays.
// One publish/withdraw cycle runs before "before" is read: the first bundle thread leaves the process's allocator arenas
// and the loader's code behind for good (a one-time cost, not a leak), and what is asserted is that memory does not grow per bundle.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadReport } from '@lucent/core';
import { bundleBucketFor, connectNats, NatsTransport, registryBucketFor } from '@lucent/nats';
import { startShardProcess, type ShardProcess } from '../../../nats/src/testing/shardProcesses.js';
import { buildCli, lucent } from '../testing/runBuiltCli.js';

const url = process.env['LUCENT_NATS_URL'] || 'nats://127.0.0.1:4222';
const tag = randomBytes(4).toString('hex');
const prefix = `lucent-unload-${tag}`;
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
/** The first is the warm-up cycle's; the other four are measured. */
const versions = ['3.5.0', '4.0.0', '5.0.0', '6.0.0', '7.0.0'];

/** A module like test.work version 3, with its own version and a large table, so each bundle weighs something in its worker. */
const moduleSource = (version: string): string => `import { z } from 'zod';
import { defineFunction } from '@lucent/core';
const table = Array.from({ length: 200_000 }, (_, i) => ({ i, label: 'row-' + i + '-${version}' }));
export const work = defineFunction(
  { name: 'test.work', version: '${version}', input: z.object({ n: z.number().int(), ms: z.number().min(0).max(1_000) }), output: z.object({ n: z.number().int(), shard: z.string() }) },
  (input, ctx) => ({ n: input.n + (table.length > 0 ? 0 : 1), shard: ctx.shard.id }),
);
`;

describe('withdrawn bundles are unloaded from a running shard', () => {
  let dir: string;
  let shard: ShardProcess;
  let transport: NatsTransport;
  const reports: LoadReport[] = [];
  const modules: string[] = [];

  beforeAll(async () => {
    await buildCli();
    dir = await mkdtemp(path.join(tmpdir(), 'lucent-unload-'));
    expect((await lucent(['keygen', '--out', dir])).code).toBe(0);
    transport = new NatsTransport({ connection: await connectNats({ url }), subjectPrefix: prefix, ownsConnection: true });
    transport.onLoad((r) => reports.push(r));
    shard = await startShardProcess({
      id: `unload${tag}`,
      nats: url,
      subjectPrefix: prefix,
      reportIntervalMs: 250,
      only: ['test.work'],
      registry: {},
      bundles: { publicKeyFile: path.join(dir, 'lucent-signing.pub') },
    });
    for (const v of versions) {
      // Beside the other fixtures, so esbuild resolves zod and @lucent/core from this package.
      const file = path.join(fixtures, `.unload-${tag}-${v}.ts`);
      await writeFile(file, moduleSource(v));
      modules.push(file);
    }
  }, 240_000);

  afterAll(async () => {
    await shard?.stop();
    const jsm = await transport?.connection.jetstreamManager();
    await jsm?.streams.delete(`KV_${registryBucketFor(prefix)}`).catch(() => undefined);
    await jsm?.streams.delete(`OBJ_${bundleBucketFor(prefix)}`).catch(() => undefined);
    await transport?.close();
    await Promise.all(modules.map((m) => rm(m, { force: true })));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Median RSS of the shard's next `count` reports. */
  async function memoryMb(count = 5): Promise<number> {
    const from = reports.length;
    await expect.poll(() => reports.length - from, { timeout: 10_000, interval: 50 }).toBeGreaterThanOrEqual(count);
    const samples = reports.slice(from, from + count).map((r) => r.memoryMb).sort((a, b) => a - b);
    return samples[Math.floor(samples.length / 2)]!;
  }
  const hosted = (): readonly string[] => reports.at(-1)?.functions['test.work']?.versions ?? [];

  /** Publishes the module at `i`, waits until the shard hosts it, reads its memory, withdraws it and waits until it is gone. */
  async function cycle(i: number): Promise<number> {
    const published = await lucent(['publish', modules[i]!, '--key', path.join(dir, 'lucent-signing.key'), '--nats', url, '--prefix', prefix, '--json']);
    expect(published.code, published.stderr).toBe(0);
    const { id } = JSON.parse(published.stdout) as { id: string };
    await expect.poll(() => hosted().includes(versions[i]!), { timeout: 30_000 }).toBe(true);
    const loaded = await memoryMb(3);
    const withdrawn = await lucent(['registry', 'withdraw', id, '--nats', url, '--prefix', prefix]);
    expect(withdrawn.code, withdrawn.stderr).toBe(0);
    await expect.poll(() => hosted().includes(versions[i]!), { timeout: 30_000 }).toBe(false);
    return loaded;
  }

  it('four publish/withdraw cycles: each bundle is loaded, then unloaded, and the shard\'s memory comes back within 10% of before', async () => {
    await cycle(0);
    await new Promise((r) => setTimeout(r, 2_000));
    const before = await memoryMb();
    const loaded: number[] = [];
    for (let i = 1; i < versions.length; i++) loaded.push(await cycle(i));
    expect(Math.max(...loaded)).toBeGreaterThan(before);
    // RSS falls as the shard's collector runs and returns pages: wait for it (bounded).
    let after = await memoryMb();
    for (const started = Date.now(); after > before * 1.1 && Date.now() - started < 45_000; ) after = await memoryMb(3);
    console.log(`shard RSS: before ${before} MB (after a warm-up cycle); with each bundle loaded ${loaded.join(', ')} MB; after four publish/withdraw cycles ${after} MB`);
    expect(after).toBeLessThanOrEqual(before * 1.1);
    // The compiled-in version served throughout and is all that is left.
    expect(hosted()).toEqual(['1.0.0']);
  }, 240_000);
});
