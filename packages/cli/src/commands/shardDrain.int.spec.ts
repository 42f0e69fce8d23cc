// `lucent shard` on SIGTERM: stops taking calls, finishes every call it was running within --drain-timeout, then exits 0.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterClient } from '@lucent/runtime/cluster';
import { freePort } from '../../../../test/support/freePort.js';
import { startBuiltShard, type BuiltShard } from '../testing/builtShard.js';

const url = process.env['LUCENT_NATS_URL'] ?? 'nats://127.0.0.1:4222';
const tag = randomBytes(4).toString('hex');
const prefix = `lucent-test-drain-${tag}`;
const shardId = `drain${tag}`;
const fixture = fileURLToPath(new URL('./fixtures/slowWork.mjs', import.meta.url));
const drainTimeoutMs = 5_000;
const calls = 20;

function inFlight(text: string): number {
  const line = text.split('\n').find((l) => l.startsWith('lucent_function_in_flight{') && l.includes('function="test.slow"'));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

describe('lucent shard draining on SIGTERM', () => {
  let shard: BuiltShard;
  let port: number;
  let client: ClusterClient;
  let child: ChildProcess;

  beforeAll(async () => {
    port = await freePort();
    shard = await startBuiltShard({ id: shardId, nats: url, subjectPrefix: prefix, module: fixture, reportIntervalMs: 200 }, [
      '--metrics-port',
      String(port),
      '--drain-timeout',
      String(drainTimeoutMs),
    ]);
    ({ client, child } = shard);
  }, 120_000);

  afterAll(() => shard?.dispose());

  it('answers every call it had started, then exits 0 within the drain timeout', async () => {
    const pending = Array.from({ length: calls }, (_, n) =>
      client.invoke('test.slow', { n, ms: 1_500 }, { timeoutMs: 10_000 }).then(
        (r) => ({ ok: true as const, output: r.output }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
    );
    // Every call is running on the shard before the signal: its metrics say so.
    const until = Date.now() + 10_000;
    let running = 0;
    while ((running = inFlight(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text())) < calls && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(running).toBe(calls);
    const signalledAt = Date.now();
    child.kill('SIGTERM');

    const outcomes = await Promise.all(pending);
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    expect(outcomes.map((o) => (o.ok ? (o.output as { n: number }).n : -1))).toEqual(Array.from({ length: calls }, (_, n) => n));
    const exit = await shard.exited;
    expect(exit.code).toBe(0);
    expect(exit.at - signalledAt).toBeLessThan(drainTimeoutMs);
    const lines = shard.lines();
    expect(lines.find((l) => l['msg'] === 'shard draining')).toMatchObject({ inFlight: calls, drainTimeoutMs });
    expect(lines.find((l) => l['msg'] === 'shard stopped')).toMatchObject({ drained: calls });
  }, 60_000);
});
