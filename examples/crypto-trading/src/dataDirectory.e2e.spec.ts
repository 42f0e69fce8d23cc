// One process per data directory: the built service started twice on one directory; the second exits naming the first, whose acknowledged writes survive a restart and a SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/freePort.js';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

interface Service {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly base: string;
  /** Resolves with the exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  output(): string;
}

const started: ChildProcess[] = [];

/** `npm start` on `dataDir`: the built service, embedded stores, no price poll, no auth. */
async function spawnService(dataDir: string): Promise<Service> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', LUCENT_DATA_DIR: dataDir, LUCENT_PRICE_CRON: 'off' };
  // Embedded stores only, whatever the test run's environment says.
  for (const name of ['LUCENT_PG_URL', 'LUCENT_REDIS_URL', 'LUCENT_NATS_URL', 'LUCENT_AUTH_SECRET', 'LUCENT_AUTH_PUBLIC_KEY']) delete env[name];
  const child = spawn(process.execPath, [main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, pid: child.pid as number, base: `http://127.0.0.1:${port}`, exited, output: () => output };
}

/** Start a service and wait until it serves. */
async function startService(dataDir: string): Promise<Service> {
  const s = await spawnService(dataDir);
  const deadline = Date.now() + 90_000;
  while (!s.output().includes('Lucent crypto trading service on')) {
    if (s.child.exitCode !== null || Date.now() > deadline) throw new Error(`the service did not start: ${s.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return s;
}

async function stop(s: Service, signal: 'SIGTERM' | 'SIGKILL'): Promise<number | null> {
  s.child.kill(signal);
  return s.exited;
}

type Json = Record<string, unknown>;

async function call(s: Service, method: 'GET' | 'POST', url: string, body?: Json): Promise<{ status: number; body: Json }> {
  const r = await fetch(`${s.base}${url}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: r.status, body: (await r.json()) as Json };
}

const open = (s: Service, positionId: string) => call(s, 'POST', '/positions', { positionId, owner: 'alice', pair: 'ETH-USD' });

/** Alice's portfolio once it shows every position in `ids` (read models are rebuilt from the log at start). */
async function portfolioWith(s: Service, ids: readonly string[]): Promise<Json> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await call(s, 'GET', '/portfolios/alice');
    const positions = (r.body['positions'] ?? {}) as Json;
    if ((r.status === 200 && ids.every((id) => id in positions)) || Date.now() > deadline) return r.body;
    await new Promise((res) => setTimeout(res, 100));
  }
}

describe('one service process per data directory', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'lucent-single-writer-'));
  });

  afterAll(async () => {
    for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('a second process on the directory exits at once naming the first; every acknowledged write survives a restart and a SIGKILL', async () => {
    const a = await startService(dataDir);
    expect((await open(a, 'p1')).status).toBe(201);
    const deposit = await call(a, 'POST', '/positions/p1/deposit', { amount: 2, priceUsd: 3000 });
    expect(deposit.status, JSON.stringify(deposit.body)).toBeLessThan(300);

    // B on the same directory (another port): refused before it opens the database.
    const b = await spawnService(dataDir);
    const code = await Promise.race([b.exited, new Promise<'running'>((r) => setTimeout(() => r('running'), 10_000))]);
    expect(code, `B 10 s after it was started: ${b.output()}`).not.toBe('running');
    expect(code, b.output()).not.toBe(0);
    expect(b.output()).toContain(`Data directory ${path.join(dataDir, 'db')} is in use by process ${a.pid} `);

    // A keeps serving, reads and writes.
    expect((await call(a, 'GET', '/portfolios/alice')).status).toBe(200);
    expect((await open(a, 'p2')).status).toBe(201);
    expect(await stop(a, 'SIGTERM')).toBe(0);
    expect(existsSync(path.join(dataDir, 'db.lock'))).toBe(false);

    // A restart finds every acknowledged write.
    const c = await startService(dataDir);
    const afterRestart = await portfolioWith(c, ['p1', 'p2']);
    expect(afterRestart).toMatchObject({ owner: 'alice', openPositions: 2, collateralUsd: 6000 });
    expect((await open(c, 'p3')).status).toBe(201);

    // A SIGKILLed holder leaves its lock; the next process finds it stale, takes it over and has the writes.
    await stop(c, 'SIGKILL');
    expect(JSON.parse(readFileSync(path.join(dataDir, 'db.lock'), 'utf8'))).toMatchObject({ pid: c.pid });
    const d = await startService(dataDir);
    const afterKill = await portfolioWith(d, ['p1', 'p2', 'p3']);
    expect(afterKill).toMatchObject({ owner: 'alice', openPositions: 3, collateralUsd: 6000 });
    expect(JSON.parse(readFileSync(path.join(dataDir, 'db.lock'), 'utf8'))).toMatchObject({ pid: d.pid });
    expect(await stop(d, 'SIGTERM')).toBe(0);
  }, 300_000);
});
