// Scheduling: timer firing lag with many pending timers, Lucent's PostgreSQL scheduler vs BullMQ delayed jobs on Redis and pg-boss and graphile-worker on PostgreSQL.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Queue, Worker } from 'bullmq';
import { Logger, makeWorkerUtils, run as runGraphileWorker, type Runner, type WorkerUtils } from 'graphile-worker';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { createPostgresTimerStore } from '@lucent/postgres';
import { Scheduler } from '@lucent/runtime';
import { LatencyRecorder } from '../harness/latencyRecorder.js';
import { wants, type BenchArea, type BenchOptions, type BenchResult } from '../harness/types.js';

/** The issue's figures: 10,000 pending timers due over 10 s. Smaller through the environment for a smoke run. */
const timerCount = (): number => Number(process.env['LUCENT_BENCH_TIMERS'] ?? 10_000);
const spreadMs = (): number => Number(process.env['LUCENT_BENCH_TIMER_SPREAD_MS'] ?? 10_000);
/** Handlers run at once per side: Lucent fires a claimed batch together, BullMQ's worker gets the same concurrency. */
const concurrency = 200;

const preciseNow = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Lag {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly fired: number;
}

/**
 * Due times of one run: arming all timers must finish before the first is due, so the lead grows with the count.
 * 1.5 ms a timer: Lucent arms through `schedule()`, one fsynced INSERT per timer, 32 at a time, and on a loaded
 * 2-core machine 0.6 ms a timer was overrun by 2.3-3.6 s, so timers fired late because they were armed late.
 */
function dueTimes(n: number, spread: number): number[] {
  const first = Date.now() + 3_000 + Math.ceil(n * 1.5);
  return Array.from({ length: n }, (_, i) => Math.round(first + (i * spread) / n));
}

async function waitForAll(count: () => number, n: number, lastDue: number): Promise<void> {
  const deadline = lastDue + 15_000;
  while (count() < n && Date.now() < deadline) await sleep(50);
}

/**
 * Lucent's lag, and the physical floor measured beside it: a bare setTimeout per timer in the same
 * process at the same moment, no store at all. On a loaded machine the event loop itself starts
 * timers late, and no scheduler in this process can beat that.
 */
async function lucentLag(options: BenchOptions, tag: string, round: number): Promise<{ readonly lucent: Lag; readonly floor: Lag }> {
  const schema = `bench_timers_${tag}_${round}`;
  const store = await createPostgresTimerStore({ connectionString: options.postgresUrl, schema, maxConnections: 10 });
  const lag = new LatencyRecorder();
  const scheduler = new Scheduler({ store, nodeId: `bench-${tag}`, batchSize: concurrency, pollIntervalMs: 500 });
  scheduler.handle('bench.tick', (f) => lag.recordMs(preciseNow() - f.scheduledFor));
  try {
    const due = dueTimes(timerCount(), spreadMs());
    // Armed through the public API, 32 at a time (what a busy service arming timers looks like).
    for (let i = 0; i < due.length; i += 32) {
      await Promise.all(due.slice(i, i + 32).map((dueAt, k) => scheduler.schedule({ id: `t${i + k}`, dueAt, handler: 'bench.tick' })));
    }
    if (Date.now() > (due[0] as number)) console.warn(`timer.lag: arming overran the first due time by ${Date.now() - (due[0] as number)} ms`);
    const floor = new LatencyRecorder();
    const bare = due.map((dueAt) => setTimeout(() => floor.recordMs(preciseNow() - dueAt), dueAt - Date.now()));
    scheduler.start();
    await waitForAll(() => Math.min(lag.count, floor.count), due.length, due[due.length - 1] as number);
    for (const t of bare) clearTimeout(t);
    return {
      lucent: { p50Ms: lag.percentileMs(50), p99Ms: lag.percentileMs(99), fired: lag.count },
      floor: { p50Ms: floor.percentileMs(50), p99Ms: floor.percentileMs(99), fired: floor.count },
    };
  } finally {
    await scheduler.stop();
    await store.close();
    const admin = new pg.Client({ connectionString: options.postgresUrl });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.end();
  }
}

async function bullmqLag(options: BenchOptions, tag: string, round: number): Promise<Lag> {
  const url = new URL(options.redisUrl);
  const connection = { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null };
  const prefix = `lucent-bench-${tag}-${round}`;
  const queue = new Queue('timers', { connection, prefix });
  const lag = new LatencyRecorder();
  let worker: Worker | undefined;
  try {
    const due = dueTimes(timerCount(), spreadMs());
    for (let i = 0; i < due.length; i += 500) {
      const now = Date.now();
      await queue.addBulk(
        due.slice(i, i + 500).map((dueAt, k) => ({
          name: 'tick',
          data: { dueAt },
          opts: { jobId: `t${i + k}`, delay: Math.max(0, dueAt - now), removeOnComplete: true, removeOnFail: true },
        })),
      );
    }
    if (Date.now() > (due[0] as number)) console.warn(`timer.lag: BullMQ arming overran the first due time by ${Date.now() - (due[0] as number)} ms`);
    worker = new Worker(
      'timers',
      async (job) => {
        lag.recordMs(preciseNow() - (job.data as { dueAt: number }).dueAt);
      },
      { connection, prefix, concurrency },
    );
    await waitForAll(() => lag.count, due.length, due[due.length - 1] as number);
    return { p50Ms: lag.percentileMs(50), p99Ms: lag.percentileMs(99), fired: lag.count };
  } finally {
    await worker?.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}

/** pg-boss's worker polls; 0.5 s is the shortest interval it accepts. */
const pgBossPollSeconds = 0.5;
/** pg-boss workers and the jobs each fetches per poll: up to 800 a round, enough for the 1,000/s due rate at 2 polls a second. */
const pgBossWorkers = 4;
const pgBossBatch = 200;

async function pgBossLag(options: BenchOptions, tag: string, round: number): Promise<Lag> {
  const schema = `bench_pgboss_${tag}_${round}`;
  const boss = new PgBoss({ connectionString: options.postgresUrl, schema, max: 10, schedule: false });
  boss.on('error', (error: unknown) => console.error(`[bench] timer.lag pg-boss: ${String(error)}`));
  const lag = new LatencyRecorder();
  try {
    await boss.start();
    await boss.createQueue('timers');
    const due = dueTimes(timerCount(), spreadMs());
    for (let i = 0; i < due.length; i += 500) {
      await boss.insert(due.slice(i, i + 500).map((dueAt) => ({ name: 'timers', data: { dueAt }, startAfter: new Date(dueAt) })));
    }
    if (Date.now() > (due[0] as number)) console.warn(`timer.lag: pg-boss arming overran the first due time by ${Date.now() - (due[0] as number)} ms`);
    for (let w = 0; w < pgBossWorkers; w++) {
      await boss.work<{ dueAt: number }>('timers', { batchSize: pgBossBatch, pollingIntervalSeconds: pgBossPollSeconds }, async (jobs) => {
        for (const job of jobs) lag.recordMs(preciseNow() - job.data.dueAt);
      });
    }
    await waitForAll(() => lag.count, due.length, due[due.length - 1] as number);
    return { p50Ms: lag.percentileMs(50), p99Ms: lag.percentileMs(99), fired: lag.count };
  } finally {
    await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
    const admin = new pg.Client({ connectionString: options.postgresUrl });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.end();
  }
}

/** graphile-worker finds jobs whose run_at has come by polling (a NOTIFY wakes it only for jobs due now); the same 0.5 s as pg-boss and Lucent. */
const graphilePollMs = 500;
/** Jobs one pool locks per fetch into its local queue, served to its workers without a round trip: the size of Lucent's and pg-boss's batches. */
const graphileLocalQueue = 200;

/** graphile-worker logs a line per job at info level; the bench passes it a logger that drops every line, through its public Logger. */
const silentGraphileLogger = (): Logger => new Logger(() => () => undefined);

async function graphileWorkerLag(options: BenchOptions, tag: string, round: number): Promise<Lag> {
  const schema = `bench_graphile_${tag}_${round}`;
  const logger = silentGraphileLogger();
  const lag = new LatencyRecorder();
  let utils: WorkerUtils | undefined;
  let runner: Runner | undefined;
  try {
    utils = await makeWorkerUtils({ connectionString: options.postgresUrl, schema, maxPoolSize: 10, logger });
    await utils.migrate();
    const due = dueTimes(timerCount(), spreadMs());
    for (let i = 0; i < due.length; i += 500) {
      await utils.addJobs(due.slice(i, i + 500).map((dueAt) => ({ identifier: 'tick', payload: { dueAt }, runAt: new Date(dueAt) })));
    }
    if (Date.now() > (due[0] as number)) console.warn(`timer.lag: graphile-worker arming overran the first due time by ${Date.now() - (due[0] as number)} ms`);
    runner = await runGraphileWorker({
      connectionString: options.postgresUrl,
      schema,
      maxPoolSize: 10,
      concurrency,
      pollInterval: graphilePollMs,
      noHandleSignals: true,
      logger,
      // Completions batched like Lucent's; the batcher is also what a graceful stop waits for, where an
      // unbatched completion is left in flight and can land after the bench has dropped the schema.
      preset: { worker: { localQueue: { size: graphileLocalQueue }, completeJobBatchDelay: 0 } },
      taskList: {
        tick: (payload) => {
          lag.recordMs(preciseNow() - (payload as { dueAt: number }).dueAt);
        },
      },
    });
    await waitForAll(() => lag.count, due.length, due[due.length - 1] as number);
    return { p50Ms: lag.percentileMs(50), p99Ms: lag.percentileMs(99), fired: lag.count };
  } finally {
    await runner?.stop().catch(() => undefined);
    // Release may answer a plain value rather than a promise.
    await Promise.resolve(utils?.release()).catch(() => undefined);
    const admin = new pg.Client({ connectionString: options.postgresUrl });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.end();
  }
}

/**
 * Runs one peer's round; a peer that cannot start (or fails mid-run) is reported with its reason and
 * left out of the results, and the other sides are still measured.
 */
async function peerRound(name: string, lags: Lag[], missing: Map<string, string>, measure: () => Promise<Lag>): Promise<void> {
  if (missing.has(name)) return;
  try {
    lags.push(await measure());
  } catch (error) {
    const reason = error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
    console.error(`[bench] timer.lag: ${name} did not run, measured without it: ${reason}`);
    missing.set(name, reason);
  }
}

const optional = (name: string, value: number | undefined): Record<string, number> => (value === undefined ? {} : { [name]: value });

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

export const timersArea: BenchArea = {
  area: 'scheduling',
  cases: ['timer.lag'],
  requires: ['postgres', 'redis'],
  async run(options) {
    if (!wants(options, 'timer.lag')) return [];
    const tag = randomBytes(4).toString('hex');
    const lucent: Lag[] = [];
    const bullmq: Lag[] = [];
    const pgboss: Lag[] = [];
    const graphile: Lag[] = [];
    const floor: Lag[] = [];
    const missing = new Map<string, string>();
    // Each round is ~15 s a side, so at most two, alternating so machine drift hits every side.
    for (let round = 0; round < Math.min(2, options.rounds); round++) {
      const side = await lucentLag(options, tag, round);
      lucent.push(side.lucent);
      floor.push(side.floor);
      bullmq.push(await bullmqLag(options, tag, round));
      await peerRound('pg-boss', pgboss, missing, () => pgBossLag(options, tag, round));
      await peerRound('graphile-worker', graphile, missing, () => graphileWorkerLag(options, tag, round));
    }
    const n = timerCount();
    const incomplete = [...lucent, ...bullmq, ...pgboss, ...graphile, ...floor].filter((l) => l.fired < n).length;
    const note =
      `${n} timers armed up front, due evenly over ${spreadMs()} ms; lag = handler start − due time. Lucent: PostgreSQL timer store ` +
      `(synchronous_commit on: every claim and completion is fsynced), one scheduler process, claims of up to ${concurrency} with ` +
      `FOR UPDATE SKIP LOCKED taken up to 250 ms ahead and fired from memory, completions batched. BullMQ 5: delayed jobs on the ` +
      `same machine's Redis, one worker, concurrency ${concurrency}; that Redis runs without AOF or RDB snapshots (appendonly no), ` +
      `so a Redis crash loses its jobs: less durable than the PostgreSQL side. pg-boss 10.4 (the newest release on Node 20; 11+ ` +
      `needs Node 22): jobs with startAfter on the same PostgreSQL (fsynced like Lucent's), inserted 500 at a time, ${pgBossWorkers} workers ` +
      `fetching up to ${pgBossBatch} each, polling every ${pgBossPollSeconds * 1000} ms (the shortest it accepts). graphile-worker 0.17.3 ` +
      `(the newest release on Node 20, run in this same Node 20 process; 0.18 needs Node 22.18): jobs with runAt on the same PostgreSQL ` +
      `(fsynced like Lucent's), its own schema, added with addJobs 500 at a time, one runner with concurrency ${concurrency}, a local queue ` +
      `of ${graphileLocalQueue} jobs, completions batched (completeJobBatchDelay 0), polling every ${graphilePollMs} ms, 10 connections. timer-floor: a bare setTimeout per timer, armed in ` +
      `the same process during Lucent's run (the event loop's own lateness at that moment, on this machine). Median of ${lucent.length} round(s) a side.` +
      (missing.size > 0 ? ` Not measured from the round that failed on: ${[...missing].map(([name, reason]) => `${name} (${reason})`).join('; ')}.` : '') +
      (incomplete > 0 ? ` WARNING: ${incomplete} run(s) did not fire every timer before the deadline.` : '');
    const peer = (lags: readonly Lag[], p: 'p50' | 'p99'): number | undefined => (lags.length === 0 ? undefined : median(lags.map((l) => l[`${p}Ms`])));
    return (['p50', 'p99'] as const).map((p) => ({
      case: 'timer.lag',
      metric: `${p}_ms` as const,
      higherIsBetter: false,
      lucent: median(lucent.map((l) => l[`${p}Ms`])),
      baselines: {
        bullmq: median(bullmq.map((l) => l[`${p}Ms`])),
        ...optional('pg-boss', peer(pgboss, p)),
        ...optional('graphile-worker', peer(graphile, p)),
        'timer-floor': median(floor.map((l) => l[`${p}Ms`])),
      },
      floors: ['timer-floor'],
      note,
    })) satisfies BenchResult[];
  },
};
