// Three shard processes on the machine's NATS: bad messages get typed errors, a slow shard loses traffic, a killed one loses none.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkerFiles } from '../../../../test/support/bundleForNode.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadlineExceededError } from '@lucent/core';
import { ClusterClient } from '@lucent/runtime/cluster';
import { connectNats } from '../transport/connectNats.js';
import { NatsTransport } from '../transport/natsTransport.js';
import { callSubject } from '../transport/wireFormat.js';
import { functions } from '../testing/reliabilityFunctions.js';
import { startShardProcess, type ShardProcess } from '../testing/shardProcesses.js';
import { percentile, sharesByShard, steadyLoad } from '../testing/steadyLoad.js';
import { setShardChaos } from './startNatsShard.js';
import { headers as natsHeaders, type NatsConnection } from 'nats';

const url = process.env['LUCENT_NATS_URL'] ?? 'nats://127.0.0.1:4222';
const tag = randomBytes(4).toString('hex');
const prefix = `lucent-test-${tag}`;
const ids = ['a', 'b', 'c'].map((s) => `rel${tag}${s}`);
const [A, B, C] = ids as [string, string, string];
const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

describe('a cluster of three shard processes', () => {
  let shards: ShardProcess[] = [];
  let transport: NatsTransport;
  let client: ClusterClient;
  let raw: NatsConnection;
  let bundleDir: string;

  beforeAll(async () => {
    bundleDir = await mkdtemp(join(tmpdir(), 'lucent-heavy-'));
    const heavy = { ...(await bundleWorkerFiles(bundleDir, here('../testing/reliabilityFunctions.ts'))), registryExport: 'functions', maxThreads: 1 };
    // Only shard A has a worker pool, so only A hosts the heavy function: elsewhere it would run on the event loop.
    shards = await Promise.all(
      ids.map((id, i) =>
        startShardProcess({
          id,
          tags: [['aave', 'arbitrage', 'whale'][i]!],
          nats: url,
          subjectPrefix: prefix,
          reportIntervalMs: 250,
          chaosControl: true,
          ...(id === A ? { heavy } : { only: ['test.work'] }),
        }),
      ),
    );
    transport = new NatsTransport({ connection: await connectNats({ url }), subjectPrefix: prefix, ownsConnection: true });
    client = new ClusterClient({
      transport,
      functions,
      liveness: { intervalMs: 250, missedReports: 3 },
      attemptTimeoutMs: 1_000,
    });
    raw = await connectNats({ url });
    await client.ready(3, 30_000);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(shards.map((s) => s.stop()));
    await client?.close();
    await transport?.close();
    await raw?.close();
    if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
  });

  const ask = async (h: ReturnType<typeof natsHeaders> | undefined, body: string): Promise<unknown> => {
    const reply = await raw.request(callSubject(prefix, A), new TextEncoder().encode(body), { timeout: 5_000, ...(h ? { headers: h } : {}) });
    return JSON.parse(new TextDecoder().decode(reply.data)) as unknown;
  };
  const callHeaders = (fn: string, deadline = Date.now() + 5_000): ReturnType<typeof natsHeaders> => {
    const h = natsHeaders();
    h.set('lucent-function', fn);
    h.set('lucent-deadline', String(deadline));
    h.set('lucent-correlation-id', `raw-${tag}`);
    return h;
  };

  it('answers malformed, wrong-contract and unknown-function messages with typed errors, and keeps serving', async () => {
    expect(await ask(undefined, 'not json {')).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(await ask(callHeaders('test.work'), '{"n": 1, "ms": ')).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED', details: { issues: [{ path: 'body' }] } },
    });
    const noDeadline = natsHeaders();
    noDeadline.set('lucent-function', 'test.work');
    noDeadline.set('lucent-correlation-id', 'x');
    expect(await ask(noDeadline, '{}')).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', details: { issues: [{ path: 'lucent-deadline' }] } } });
    expect(await ask(callHeaders('test.work'), '{"n": "one", "ms": 1}')).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED', details: { where: 'input', issues: [{ path: 'n' }] } },
    });
    expect(await ask(callHeaders('test.nothingHere'), '{}')).toMatchObject({ ok: false, error: { code: 'FUNCTION_NOT_FOUND' } });
    expect(await ask(callHeaders('test.work', Date.now() - 1), '{"n": 1, "ms": 1}')).toMatchObject({ ok: false, error: { code: 'DEADLINE_EXCEEDED' } });
    // The same shard still serves well-formed calls.
    expect(await ask(callHeaders('test.work'), '{"n": 7, "ms": 1}')).toEqual({ ok: true, output: { n: 7, shard: A }, events: [], version: '1.0.0' });
  });

  it('terminates a heavy function looping forever at its deadline; the shard serves the next calls', async () => {
    const started = Date.now();
    const reply = await transport.request(
      A,
      { name: 'test.spin', input: { forever: true }, deadline: started + 800, correlationId: `spin-${tag}`, attempt: 1 },
      started + 5_000,
    );
    const waited = Date.now() - started;
    expect(reply).toMatchObject({ ok: false, error: { code: 'DEADLINE_EXCEEDED' } });
    expect(waited).toBeGreaterThanOrEqual(750);
    expect(waited).toBeLessThan(3_000);
    // The pool replaced the killed thread, and the event loop was never blocked.
    await expect(client.invoke('test.spin', { forever: false }, { timeoutMs: 5_000 })).resolves.toMatchObject({ output: { spun: 1_000 } });
    await expect(transport.request(A, { name: 'test.work', input: { n: 1, ms: 1 }, deadline: Date.now() + 5_000, correlationId: 'w', attempt: 1 }, Date.now() + 5_000))
      .resolves.toMatchObject({ ok: true, output: { shard: A } });
    // Through the client, the caller gets DEADLINE_EXCEEDED, on time.
    const t = Date.now();
    await expect(client.invoke('test.spin', { forever: true }, { timeoutMs: 1_200 })).rejects.toBeInstanceOf(DeadlineExceededError);
    expect(Date.now() - t).toBeLessThan(1_200 + 500);
  }, 30_000);

  it('moves traffic away from a shard made five times slower, keeping p99 within 2× of the run without it', async () => {
    // Two in flight: enough that a shard is sometimes busy, few enough that a 5× slower one never looks better.
    // 10 ms of work per call keeps a loaded machine's scheduling jitter small next to the figure under test.
    const load = { concurrency: 2, workMs: 10, timeoutMs: 5_000, maxDurationMs: 20_000 };
    const before = await steadyLoad(client, { ...load, calls: 900 });
    await setShardChaos(transport, C, { slowdownFactor: 5 });
    // Measure the steady state: keep the load on until the slow shard's reports show it at least 3× slower.
    const ewma = (id: string): number => client.directory.reports.get(id)?.functions['test.work']?.latencyEwmaMs ?? 0;
    for (let i = 0; i < 40 && ewma(C) < 3 * Math.max(ewma(A), ewma(B)); i++) await steadyLoad(client, { ...load, calls: 100 });
    expect(ewma(C)).toBeGreaterThanOrEqual(3 * Math.max(ewma(A), ewma(B)));
    // Once routed around, the slow shard gets no calls, so its reported average freezes near the
    // point where callers left it (~3×), not at its true 5×. In service a trickle of calls keeps it
    // current; here a few direct calls do, so the run below measures the steady state.
    for (let i = 0; i < 20; i++) {
      await transport.request(C, { name: 'test.work', input: { n: i, ms: load.workMs }, deadline: Date.now() + 5_000, correlationId: `warm-${i}`, attempt: 1 }, Date.now() + 5_000);
    }
    for (let i = 0; i < 30 && ewma(C) < 4 * Math.max(ewma(A), ewma(B)); i++) await new Promise((r) => setTimeout(r, 200));
    const during = await steadyLoad(client, { ...load, calls: 900 });
    await setShardChaos(transport, C, {});
    // A second run without the slow shard, after it: the baseline is both runs, so drift in the
    // machine's load during the test hits the baseline as it hits the run under test.
    const after = await steadyLoad(client, { ...load, calls: 900 });

    expect(before.filter((o) => o.error)).toEqual([]);
    expect(during.filter((o) => o.error)).toEqual([]);
    expect(after.filter((o) => o.error)).toEqual([]);
    const share = (runs: typeof before): number => (sharesByShard(runs).get(C) ?? 0) / runs.length;
    expect(share(before)).toBeGreaterThan(0.1);
    expect(share(during)).toBeLessThan(share(before) / 2);
    const p99 = (runs: typeof before): number => percentile(runs.map((o) => o.ms), 99);
    const baseline = [...before, ...after];
    if (process.env['LUCENT_TEST_VERBOSE']) console.log({ shareBefore: share(before), shareDuring: share(during), p99Baseline: p99(baseline), p99During: p99(during) });
    expect(p99(during)).toBeLessThanOrEqual(2 * p99(baseline));
  }, 90_000);

  it('loses no call when a shard is SIGKILLed under load; its traffic moves to the other two', async () => {
    let killedAt = Number.POSITIVE_INFINITY;
    const outcomes = await steadyLoad(client, {
      calls: 5_000,
      concurrency: 9,
      workMs: 4,
      timeoutMs: 5_000,
      maxDurationMs: 40_000,
      onProgress: (done) => {
        if (done === 600) {
          killedAt = Date.now();
          shards.find((s) => s.id === B)!.kill();
        }
      },
    });
    expect(Number.isFinite(killedAt)).toBe(true);
    expect(outcomes.filter((o) => o.error)).toEqual([]);
    expect(outcomes.length).toBe(5_000);
    const settledAfterKill = outcomes.filter((o) => o.startedAt > killedAt + 1_500);
    expect(settledAfterKill.length).toBeGreaterThan(500);
    const after = sharesByShard(settledAfterKill);
    expect(after.get(B) ?? 0).toBe(0);
    expect(after.get(A) ?? 0).toBeGreaterThan(0);
    expect(after.get(C) ?? 0).toBeGreaterThan(0);
    expect(client.directory.candidates()).not.toContain(B);
  }, 60_000);
});
