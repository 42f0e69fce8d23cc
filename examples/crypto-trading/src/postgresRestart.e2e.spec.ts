// PostgreSQL restarted (fast shutdown, then SIGKILL of the postmaster) under the running service and a steady stream of commands: 503 UNAVAILABLE while it is down, every acknowledged command stored once, the same process serving again once it is back.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrivatePostgres } from '../../../packages/postgres/src/testing/privatePostgres.js';
import { freePort } from '../../../test/support/freePort.js';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const REDIS_URL = 'redis://127.0.0.1:6379';
const tag = randomBytes(4).toString('hex');
const redisPrefix = `lucent:test:pgrestart:${tag}:`;
const schema = 'lucent_restart';
const owner = `pgr-${tag}`;
/** One position per lane, so a lane's commands never race each other for a stream version. */
const lanes = Array.from({ length: 4 }, (_, i) => `pgr-${tag}-${i}`);
/** How long PostgreSQL stays down in each case. */
const downMs = 3_000;
/** Bounds of the load: commands per lane, and a pause between two of a lane's commands. */
const maxPerLane = 1_000;
const pauseMs = 50;
/** A command that takes longer than this to answer counts as hanging. */
const answerDeadlineMs = 5_000;

interface Answer {
  readonly lane: number;
  readonly key: string;
  readonly sentAt: number;
  readonly at: number;
  readonly status: number;
  readonly body: Record<string, unknown>;
}

let pgServer: PrivatePostgres | undefined;
let child: ChildProcess | undefined;
let base = '';
let output = '';

beforeAll(async () => {
  pgServer = await PrivatePostgres.create();
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    LUCENT_PG_URL: pgServer.url,
    LUCENT_PG_SCHEMA: schema,
    LUCENT_REDIS_URL: REDIS_URL,
    LUCENT_REDIS_PREFIX: redisPrefix,
    LUCENT_PRICE_CRON: 'off',
    // Every second: a cron occurrence after the restart shows the Scheduler's claim loop resumed.
    LUCENT_YIELD_CRON: '* * * * * *',
  };
  for (const name of ['LUCENT_DATA_DIR', 'LUCENT_NATS_URL', 'LUCENT_AUTH_SECRET', 'LUCENT_AUTH_PUBLIC_KEY', 'LUCENT_RATE_LIMIT_PER_USER', 'LUCENT_RATE_LIMIT_PER_FUNCTION']) delete env[name];
  child = spawn(process.execPath, [main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 60_000;
  while (!output.includes('Lucent crypto trading service on')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the service did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  base = `http://127.0.0.1:${port}`;
}, 90_000);

afterAll(async () => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child?.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  await pgServer?.destroy();
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${redisPrefix}*`);
  if (keys.length > 0) await redis.unlink(...keys);
  await redis.quit();
}, 30_000);

async function call(method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** One unit of collateral into a lane's position under `key`; never rejects, a transport failure is status 0. */
async function deposit(lane: number, key: string): Promise<Answer> {
  const sentAt = Date.now();
  try {
    const r = await call('POST', `/positions/${lanes[lane]}/deposit`, { amount: 1, priceUsd: 2_000 }, { 'idempotency-key': key });
    return { lane, key, sentAt, at: Date.now(), ...r };
  } catch (error) {
    return { lane, key, sentAt, at: Date.now(), status: 0, body: { error: String(error) } };
  }
}

/** Poll until `done`, or throw naming `what` at the deadline. */
async function until<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch((error: unknown) => error as T);
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const ok = (a: { status: number }): boolean => a.status >= 200 && a.status < 300;

describe('PostgreSQL restarted under the service', () => {
  it('answers 503 UNAVAILABLE while it is down, loses no acknowledged command, and serves again without a restart', async () => {
    for (const id of lanes) expect((await call('POST', '/positions', { positionId: id, owner, pair: 'ETH-USD' })).status).toBe(201);
    const pid = child?.pid;

    // The steady stream: each lane sends its next command once the previous one is answered.
    const answers: Answer[] = [];
    let stopping = false;
    const load = lanes.map(async (_, lane) => {
      for (let n = 0; n < maxPerLane && !stopping; n++) {
        answers.push(await deposit(lane, `pgr-${tag}-${lane}-${n}`));
        await new Promise((r) => setTimeout(r, pauseMs));
      }
    });
    const acknowledgedSince = (t: number): number => answers.filter((a) => a.sentAt >= t && ok(a)).length;
    const everyLaneAnsweredOkSince = (t: number) => lanes.every((_, lane) => answers.some((a) => a.lane === lane && a.sentAt >= t && ok(a)));

    // What the lanes saw last, for a failure message.
    const lastAnswers = () => lanes.map((_, lane) => answers.filter((a) => a.lane === lane).slice(-1).map((a) => `${a.status} ${String(a.body['message'] ?? '')}`)[0]);
    const figures: Record<string, unknown>[] = [];
    try {
      await until('commands before the first fault', async () => acknowledgedSince(0), (n) => n >= 20);
      for (const fault of ['fast shutdown', 'SIGKILL of the postmaster'] as const) {
        const downAt = Date.now();
        if (fault === 'fast shutdown') await pgServer?.stop();
        else await pgServer?.kill();
        const stoppedAt = Date.now();
        const notReady = await until('readiness while PostgreSQL is down', () => call('GET', '/health/ready'), (r) => r.status === 503);
        expect(notReady.body).toMatchObject({ code: 'UNAVAILABLE', details: { error: { eventStore: { status: 'down' } } } });
        expect(JSON.stringify(notReady.body)).toMatch(/PostgreSQL at 127\.0\.0\.1:\d+\/postgres is unreachable/);
        await new Promise((r) => setTimeout(r, Math.max(0, downMs - (Date.now() - stoppedAt))));
        const upAt = Date.now();
        await pgServer?.start();
        const startedAt = Date.now();
        await until('a command acknowledged on every lane after PostgreSQL is back', async () => everyLaneAnsweredOkSince(startedAt) || lastAnswers(), (v) => v === true);
        const recoveredAt = Math.max(...lanes.map((_, lane) => Math.min(...answers.filter((a) => a.lane === lane && a.sentAt >= startedAt && ok(a)).map((a) => a.at))));
        await until('readiness after PostgreSQL is back', () => call('GET', '/health/ready'), (r) => r.status === 200);
        const readyAt = Date.now();

        const during = answers.filter((a) => a.sentAt >= stoppedAt && a.sentAt < upAt);
        const refused = during.filter((a) => !ok(a));
        figures.push({
          fault,
          stopMs: stoppedAt - downAt,
          sentWhileDown: during.length,
          refusedWhileDown: refused.length,
          refusalMsMax: Math.max(...refused.map((a) => a.at - a.sentAt)),
          refusalMsMedian: refused.map((a) => a.at - a.sentAt).sort((a, b) => a - b)[Math.floor(refused.length / 2)],
          pgStartMs: startedAt - upAt,
          commandsBackMs: recoveredAt - startedAt,
          readyBackMs: readyAt - startedAt,
        });
        // Down means refused, every time, and soon: a typed 503 naming the store, not a hang or a 500.
        expect(refused.length).toBeGreaterThan(0);
        for (const a of refused) {
          expect({ status: a.status, code: a.body['code'] }).toEqual({ status: 503, code: 'UNAVAILABLE' });
          expect(a.at - a.sentAt).toBeLessThan(answerDeadlineMs);
        }
        for (const a of [refused[0], refused[refused.length - 1]]) expect(JSON.stringify(a?.body)).toMatch(/PostgreSQL at 127\.0\.0\.1:\d+\/postgres is unreachable/);
        await until('commands after recovery', async () => acknowledgedSince(readyAt), (n) => n >= 8);
      }
    } finally {
      stopping = true;
      await Promise.all(load);
      console.log(JSON.stringify(figures));
    }

    // Every answer is an acknowledgement or a typed refusal (the moment of a fault included), and none took too long.
    for (const a of answers) {
      if (!ok(a)) expect({ status: a.status, code: a.body['code'] }).toEqual({ status: 503, code: 'UNAVAILABLE' });
      expect(a.at - a.sentAt).toBeLessThan(answerDeadlineMs);
    }
    // A refused command's outcome is unknown (its commit may have landed before the reply was lost): the
    // client sends it again with its key, and the store either finds it or records it now, never twice.
    const refusedKeys = answers.filter((a) => !ok(a));
    const retried: Answer[] = [];
    await Promise.all(
      lanes.map(async (_, lane) => {
        for (const a of refusedKeys.filter((r) => r.lane === lane)) retried.push(await deposit(lane, a.key));
      }),
    );
    expect(retried.filter((a) => !ok(a))).toEqual([]);
    const acknowledged = [...answers.filter(ok), ...retried];
    const keysPerLane = lanes.map((_, lane) => new Set(answers.filter((a) => a.lane === lane).map((a) => a.key)).size);

    // The store holds each key's deposit exactly once, at the version and position its acknowledgement named.
    const db = new pg.Client({ connectionString: pgServer?.url });
    await db.connect();
    try {
      const { rows } = await db.query<{ stream_id: string; stream_version: string; global_position: string; type: string }>(
        `SELECT stream_id, stream_version, global_position, type FROM ${schema}.lucent_events WHERE stream_id = ANY($1) ORDER BY global_position`,
        [lanes.map((id) => `position-${id}`)],
      );
      for (const [lane, id] of lanes.entries()) {
        const stream = rows.filter((r) => r.stream_id === `position-${id}`);
        expect(stream.map((r) => Number(r.stream_version))).toEqual(stream.map((_, i) => i + 1));
        expect(stream.filter((r) => r.type === 'CollateralDeposited').length).toBe(keysPerLane[lane]);
      }
      const at = new Map(rows.map((r) => [Number(r.global_position), r]));
      for (const a of acknowledged) {
        const row = at.get(a.body['position'] as number);
        expect({ key: a.key, stream: row?.stream_id, version: Number(row?.stream_version) }).toEqual({
          key: a.key,
          stream: `position-${lanes[a.lane]}`,
          version: a.body['version'],
        });
      }
    } finally {
      await db.end();
    }

    // The same process, ready again; the projector (Redis) and the Scheduler (cron timers in PostgreSQL) carried on.
    expect({ pid: child?.pid, exitCode: child?.exitCode }).toEqual({ pid, exitCode: null });
    expect((await call('GET', '/health/ready')).status).toBe(200);
    const portfolio = await until(
      'the portfolio to count every stored deposit',
      () => call('GET', `/portfolios/${owner}`),
      (r) => r.status === 200 && lanes.every((id, lane) => (r.body['positions'] as Record<string, { collateralAmount: number }> | undefined)?.[id]?.collateralAmount === keysPerLane[lane]),
    );
    expect(portfolio.status).toBe(200);
    const lastFaultOver = Date.now();
    await until('a yield cron run after the restarts', () => call('GET', '/yield-projections'), (r) => r.status === 200 && (r.body['asOf'] as number) > lastFaultOver);
    console.log(JSON.stringify({ sent: answers.length, acknowledged: answers.filter(ok).length, refused: refusedKeys.length, retriedFoundStored: retried.filter((a) => a.body['duplicate'] === true).length, stored: keysPerLane.reduce((s, n) => s + n, 0) }));
  }, 120_000);
});
