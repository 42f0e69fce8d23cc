// SIGTERM under load: the built service answers every request it had received, refuses new work, and exits 0 within its drain timeout.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/freePort.js';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const drainTimeoutMs = 5_000;
const connections = 48;

let child: ChildProcess | undefined;
let dataDir: string | undefined;

afterAll(async () => {
  if (child?.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
});

interface Answer {
  readonly status?: number;
  readonly error?: string;
  /** ms since the epoch when the answer (or the error) arrived. */
  readonly at: number;
}

/** One request on the agent's keep-alive connections; never rejects, the outcome is in the answer. */
function send(agent: Agent, port: number, method: 'GET' | 'POST', url: string, body?: unknown): Promise<Answer> {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      { host: '127.0.0.1', port, method, path: url, agent, headers: payload === undefined ? {} : { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, at: Date.now() }));
        res.on('error', (error) => resolve({ error: error.message, at: Date.now() }));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message, at: Date.now() }));
    req.end(payload);
  });
}

describe('graceful shutdown of the service', () => {
  it('answers every request received before SIGTERM, then exits 0 within the drain timeout', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'lucent-shutdown-'));
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LUCENT_DATA_DIR: dataDir,
      LUCENT_PRICE_CRON: 'off',
      LUCENT_DRAIN_TIMEOUT_MS: String(drainTimeoutMs),
    };
    for (const name of ['LUCENT_PG_URL', 'LUCENT_REDIS_URL', 'LUCENT_NATS_URL', 'LUCENT_AUTH_SECRET', 'LUCENT_AUTH_PUBLIC_KEY']) delete env[name];
    const proc = spawn(process.execPath, [main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let output = '';
    proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<{ code: number | null; at: number }>((r) => proc.once('exit', (code) => r({ code, at: Date.now() })));
    const deadline = Date.now() + 90_000;
    while (!output.includes('Lucent crypto trading service on')) {
      if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`the service did not start: ${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }

    // Open the connections first (the server has accepted each: it answered on it), then load them all at once.
    const agent = new Agent({ keepAlive: true, maxSockets: connections });
    const warm = await Promise.all(Array.from({ length: connections }, () => send(agent, port, 'GET', '/health/live')));
    expect(warm.every((a) => a.status === 200)).toBe(true);

    const load = Array.from({ length: connections }, (_, i) =>
      i % 2 === 0
        ? send(agent, port, 'POST', '/positions', { positionId: `drain-${i}`, owner: 'dora', pair: 'ETH-USD' })
        : send(agent, port, 'POST', '/functions/yield.aprToApy', { apr: 0.01 * (i + 1), compoundsPerYear: 12 }),
    );
    // The first answer means the server is working through the batch: the signal lands while the rest are in flight.
    await Promise.race(load);
    const signalledAt = Date.now();
    proc.kill('SIGTERM');
    const answers = await Promise.all(load);
    const exit = await exited;
    agent.destroy();

    expect(answers.filter((a) => a.error !== undefined)).toEqual([]);
    expect(answers.map((a) => a.status).filter((s) => s !== 200 && s !== 201)).toEqual([]);
    // The drain was real: some answers came after the signal.
    expect(answers.filter((a) => a.at >= signalledAt).length).toBeGreaterThan(0);
    expect(exit.code).toBe(0);
    expect(exit.at - signalledAt).toBeLessThan(drainTimeoutMs);
    expect(output).toContain('"msg":"http drained"');
    // Work after the signal is refused: the port no longer takes connections.
    const late = await send(new Agent({ keepAlive: false }), port, 'GET', '/health/live');
    expect(late.error).toBe('ECONNREFUSED');
  }, 120_000);
});
