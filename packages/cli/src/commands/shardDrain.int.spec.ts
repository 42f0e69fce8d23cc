// `lucent shard` on SIGTERM: stops taking calls, finishes every call it was running within --drain-timeout, then exits 0.
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

const url = process.env['LUCENT_NATS_URL'] ?? 'nats://127.0.0.1:4222';
const tag = randomBytes(4).toString('hex');
const prefix = `lucent-test-drain-${tag}`;
const shardId = `drain${tag}`;
const bin = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/slowWork.mjs', import.meta.url));
const drainTimeoutMs = 5_000;
const calls = 20;

function inFlight(text: string): number {
  const line = text.split('\n').find((l) => l.startsWith('lucent_function_in_flight{') && l.includes('function="test.slow"'));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

describe('lucent shard draining on SIGTERM', () => {
  let dir: string;
  let child: ChildProcess;
  let port: number;
  let transport: NatsTransport;
  let client: ClusterClient;
  let stdout = '';
  let exited: Promise<{ code: number | null; at: number }>;

  beforeAll(async () => {
    await buildCli();
    dir = await mkdtemp(path.join(tmpdir(), 'lucent-shard-drain-'));
    const config = path.join(dir, 'shard.json');
    await writeFile(config, JSON.stringify({ id: shardId, nats: url, subjectPrefix: prefix, module: fixture, reportIntervalMs: 200 }));
    port = await freePort();
    child = spawn(process.execPath, [bin, 'shard', '--config', config, '--metrics-port', String(port), '--drain-timeout', String(drainTimeoutMs)], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    exited = new Promise((resolve) => child.once('exit', (code) => resolve({ code, at: Date.now() })));
    child.stderr?.on('data', (d: Buffer) => (stdout += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`shard did not start: ${stdout}`)), 60_000);
      child.stdout?.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('"shard serving"')) {
          clearTimeout(timer);
          resolve();
        }
      });
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
    const exit = await exited;
    expect(exit.code).toBe(0);
    expect(exit.at - signalledAt).toBeLessThan(drainTimeoutMs);
    const lines = stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l['msg'] === 'shard draining')).toMatchObject({ inFlight: calls, drainTimeoutMs });
    expect(lines.find((l) => l['msg'] === 'shard stopped')).toMatchObject({ drained: calls });
  }, 60_000);
});
