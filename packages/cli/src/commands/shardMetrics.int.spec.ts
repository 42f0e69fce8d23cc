// `lucent shard --metrics-port`: a shard process serves its calls, by function, version, shard and outcome, on GET /metrics; writes JSON lines only; SIGTERM stops it with exit 0.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterClient } from '@lucent/runtime';
import { connectNats, NatsTransport } from '@lucent/nats';
import { freePort } from '../../../../test/support/freePort.js';
import { buildCli, repoRoot } from '../testing/runBuiltCli.js';
import { sample } from '../../../../test/support/prometheusSample.js';

const url = process.env['LUCENT_NATS_URL'] ?? 'nats://127.0.0.1:4222';
const tag = randomBytes(4).toString('hex');
const prefix = `lucent-test-metrics-${tag}`;
const shardId = `metrics${tag}`;
const bin = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));
// The built example's shard module: `lucent shard` imports JavaScript, as it would in production.
const functionsModule = path.join(repoRoot, 'examples/crypto-trading/dist/shard.js');


describe('a shard process with --metrics-port', () => {
  let dir: string;
  let child: ChildProcess;
  let port: number;
  let transport: NatsTransport;
  let client: ClusterClient;
  let stdout = '';
  let stderr = '';
  const lines = (): Record<string, unknown>[] =>
    stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  let exited: Promise<number | null>;

  beforeAll(async () => {
    await buildCli();
    dir = await mkdtemp(path.join(tmpdir(), 'lucent-shard-metrics-'));
    const config = path.join(dir, 'shard.json');
    await writeFile(config, JSON.stringify({ id: shardId, nats: url, subjectPrefix: prefix, module: functionsModule, only: ['yield.aprToApy'] }));
    port = await freePort();
    child = spawn(process.execPath, [bin, 'shard', '--config', config, '--metrics-port', String(port)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`shard did not start: ${stdout}`)), 60_000);
      child.stdout?.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('"shard serving"')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    });
    transport = new NatsTransport({ connection: await connectNats({ url }), subjectPrefix: prefix, ownsConnection: true });
    client = new ClusterClient({ transport });
    await client.ready(1, 20_000);
  }, 120_000);

  afterAll(async () => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    await client?.close();
    await transport?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the calls it ran on 127.0.0.1, labelled with its shard id, and exits 0 on SIGTERM', async () => {
    // Every line the shard writes is a pino JSON line carrying its id; the start line says where its metrics are.
    expect(stderr).toBe('');
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

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);
});
