// A private nats-server restarted under load: shards and callers reconnect by themselves and no call hangs past its deadline.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterClient } from '@lucent/runtime/cluster';
import { connectNats } from '../transport/connectNats.js';
import { NatsTransport } from '../transport/natsTransport.js';
import { PrivateNats } from '../testing/privateNats.js';
import { functions } from '../testing/reliabilityFunctions.js';
import { steadyLoad } from '../testing/steadyLoad.js';
import { parseShardConfig } from './shardConfig.js';
import { startNatsShard, type RunningShard } from './startNatsShard.js';

const tag = randomBytes(4).toString('hex');
const prefix = `lucent-test-${tag}`;

describe('NATS server restarted under load', () => {
  let server: PrivateNats;
  let shards: RunningShard[] = [];
  let transport: NatsTransport;
  let client: ClusterClient;

  beforeAll(async () => {
    server = await PrivateNats.create();
    shards = await Promise.all(
      ['x', 'y'].map((s) =>
        startNatsShard({
          config: parseShardConfig({ id: `rst${tag}${s}`, nats: server.url, subjectPrefix: prefix, reportIntervalMs: 250 }),
          functions,
        }),
      ),
    );
    transport = new NatsTransport({ connection: await connectNats({ url: server.url }), subjectPrefix: prefix, ownsConnection: true });
    client = new ClusterClient({ transport, functions, liveness: { intervalMs: 250, missedReports: 3 }, attemptTimeoutMs: 500 });
    await client.ready(2, 10_000);
  }, 30_000);

  afterAll(async () => {
    await Promise.all(shards.map((s) => s.stop(500)));
    await client?.close();
    await transport?.close();
    await server?.stop(true);
  });

  it('reconnects callers and shards; calls in the gap succeed later or fail clearly inside their deadline', async () => {
    const timeoutMs = 2_000;
    let stoppedAt = Number.POSITIVE_INFINITY;
    let restartedAt = Number.POSITIVE_INFINITY;
    let restart: Promise<void> | undefined;
    const outcomes = await steadyLoad(client, {
      calls: 6_000,
      concurrency: 4,
      workMs: 2,
      timeoutMs,
      maxDurationMs: 25_000,
      onProgress: (done) => {
        if (done !== 300) return;
        restart = (async () => {
          stoppedAt = Date.now();
          await server.stop();
          await new Promise((r) => setTimeout(r, 1_000));
          await server.start();
          restartedAt = Date.now();
        })();
      },
    });
    await restart;
    expect(Number.isFinite(restartedAt)).toBe(true);

    // Calls really were issued while the server was down.
    const inGap = outcomes.filter((o) => o.startedAt >= stoppedAt && o.startedAt < restartedAt);
    expect(inGap.length).toBeGreaterThan(0);
    // None hangs: every call settled within its deadline (plus timer slack on a loaded machine).
    expect(Math.max(...outcomes.map((o) => o.ms))).toBeLessThan(timeoutMs + 500);
    // Failures, if any, happened around the outage and say what went wrong.
    const failed = outcomes.filter((o) => o.error);
    for (const f of failed) {
      expect(['DEADLINE_EXCEEDED', 'UNAVAILABLE']).toContain(f.error?.code);
      expect(f.error?.message).toMatch(/deadline|unavailable|no live shard|no responder|connection/i);
      expect(f.startedAt).toBeGreaterThanOrEqual(stoppedAt - timeoutMs);
      expect(f.startedAt).toBeLessThan(restartedAt + 3_000);
    }
    // Calls resumed by themselves once the server was back.
    const later = outcomes.filter((o) => o.startedAt > restartedAt + 3_000);
    expect(later.length).toBeGreaterThan(100);
    expect(later.every((o) => o.error === undefined)).toBe(true);
    expect(new Set(later.map((o) => o.shard)).size).toBe(2);
    // The outage was the caller's own (its link to the broker was down), so no shard is held to
    // account for it: no error penalty, and traffic after it is split about evenly, not herded
    // onto whichever shard happened to have fewer calls cut off.
    expect(client.directory.view.recentErrors.size).toBe(0);
    const afterwards = outcomes.filter((o) => o.startedAt > restartedAt && o.shard !== undefined);
    for (const shard of new Set(afterwards.map((o) => o.shard))) {
      expect(afterwards.filter((o) => o.shard === shard).length / afterwards.length).toBeGreaterThan(0.35);
    }
    if (process.env['LUCENT_TEST_VERBOSE']) console.log({ calls: outcomes.length, failed: failed.length, inGap: inGap.length, slowest: Math.max(...outcomes.map((o) => o.ms)), codes: failed.map((f) => f.error?.code) });
  }, 60_000);
});
