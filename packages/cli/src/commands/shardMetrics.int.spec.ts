// `lucent shard --metrics-port`: a shard process serves its calls, by function, version, shard and outcome, on GET /metrics; writes JSON lines only; SIGTERM stops it with exit 0.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterClient } from '@lucent/runtime/cluster';
import { freePort } from '../../../../test/support/freePort.js';
import { repoRoot } from '../testing/runBuiltCli.js';
import { startBuiltShard, type BuiltShard } from '../testing/builtShard.js';
import { sample } from '../../../../test/support/prometheusSample.js';

const url = process.env['LUCENT_NATS_URL'] ?? 'nats://127.0.0.1:4222';
const tag = randomBytes(4).toString('hex');
const prefix = `lucent-test-metrics-${tag}`;
const shardId = `metrics${tag}`;
// The built example's shard module: `lucent shard` imports JavaScript, as it would in production.
const functionsModule = path.join(repoRoot, 'examples/crypto-trading/dist/shard.js');

describe('a shard process with --metrics-port', () => {
  let shard: BuiltShard;
  let port: number;
  let client: ClusterClient;
  const lines = (): Record<string, unknown>[] => shard.lines();

  beforeAll(async () => {
    port = await freePort();
    shard = await startBuiltShard(
      { id: shardId, nats: url, subjectPrefix: prefix, module: functionsModule, only: ['yield.aprToApy'] },
      ['--metrics-port', String(port)],
    );
    client = shard.client;
  }, 120_000);

  afterAll(() => shard?.dispose());

  it('serves the calls it ran on 127.0.0.1, labelled with its shard id, and exits 0 on SIGTERM', async () => {
    // Every line the shard writes is a pino JSON line carrying its id; the start line says where its metrics are.
    expect(shard.stderr()).toBe('');
    expect(lines().every((l) => l['shard'] === shardId && typeof l['level'] === 'number')).toBe(true);
    expect(lines().find((l) => l['msg'] === 'shard serving')).toMatchObject({ metrics: `http://127.0.0.1:${port}/metrics`, functions: 1 });
    for (let i = 0; i < 4; i++) await client.invoke('yield.aprToApy', { apr: 0.05 * (i + 1), compoundsPerYear: 12 });
    await expect(client.invoke('yield.aprToApy', { apr: 0.1, compoundsPerYear: -3 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });

    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    const labels = { function: 'yield.aprToApy', shard: shardId };
    expect(sample(text, 'lucent_function_calls_total', { ...labels, outcome: 'ok' })).toBe(4);
    expect(sample(text, 'lucent_function_calls_total', { ...labels, outcome: 'error' })).toBe(1);
    expect(sample(text, 'lucent_function_duration_seconds_count', { ...labels, outcome: 'ok' })).toBe(4);
    expect(sample(text, 'lucent_function_in_flight', labels)).toBe(0);
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    // Registered with the NATS Services API and its link up: ready.
    expect((await fetch(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);

    shard.child.kill('SIGTERM');
    expect((await shard.exited).code).toBe(0);
  }, 60_000);
});
