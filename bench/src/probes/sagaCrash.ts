// Crash equivalence of saga.durable's workflow on Lucent, DBOS and Restate: the process running the workflow is SIGKILLed right after
// one step's I/O ran (before the engine can record it), then started again; each step's I/O calls are counted in a file, and the
// workflow must end compensated (its confirm is refused, so every step and both undos run). A diagnostic, not a bench case:
// `node bench/dist/probes/sagaCrash.js` (LUCENT_PG_URL, default 127.0.0.1 as the bench) prints one row per engine and kill point.
import { fork, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttp2Server } from 'node:http2';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { DBOS } from '@dbos-inc/dbos-sdk';
import * as restate from '@restatedev/restate-sdk';
import { RuleViolationError } from '@lucent/core';
import { createPostgresEventStore, createPostgresTimerStore } from '@lucent/postgres';
import { SagaRunner, SagaScheduling, Scheduler, type SagaCommandMessage } from '@lucent/runtime';
import { durableSaga } from '../cases/sagaDurable.js';
import { quietLogger, startRestateServer } from '../cases/sagaDurableRestate.js';
import { workflow } from '../cases/sagaDurableWork.js';

const steps = ['deposit', 'stake', 'confirm', 'unstake', 'refund'] as const;
type Step = (typeof steps)[number];
type Engine = 'lucent' | 'dbos' | 'restate';
/** Workflow number 15: its confirm is refused, so the run goes through every step and both compensations. */
const n = 15;
const url = process.env['LUCENT_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const waitMs = 60_000;

interface ChildJob {
  readonly engine: Engine;
  readonly phase: 'start' | 'recover';
  readonly killAt: Step;
  readonly dir: string;
  readonly id: string;
  readonly schema: string;
  readonly port: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The step's I/O: one line in the log with the idempotency key the engine gives that step (what a receiver would dedupe on);
 * at the kill point (first time only) the process dies right after it.
 */
function io(job: ChildJob, step: Step, key: string): void {
  appendFileSync(join(job.dir, 'io.log'), `${step} ${key}\n`);
  const marker = join(job.dir, 'killed');
  if (step === job.killAt && !existsSync(marker)) {
    writeFileSync(marker, '');
    process.kill(process.pid, 'SIGKILL');
  }
}

// ── the child: one engine, one phase ────────────────────────────────────────────────────────

async function lucentChild(job: ChildJob): Promise<string> {
  const events = await createPostgresEventStore({ connectionString: url, schema: job.schema, maxConnections: 4 });
  const timers = await createPostgresTimerStore({ connectionString: url, schema: `${job.schema}_timers`, maxConnections: 2 });
  const scheduler = new Scheduler({ store: timers, nodeId: 'crash' });
  const command = (message: SagaCommandMessage): Promise<unknown> => {
    const c = message.command as { type: string; n: number };
    const step = c.type.toLowerCase() as Step;
    const result = workflow[step](c.n);
    io(job, step, message.idempotencyKey);
    return result === 'refused' ? Promise.reject(new RuleViolationError('confirm', 'refused')) : Promise.resolve(result);
  };
  const runner = new SagaRunner({ store: events, commands: command, scheduling: new SagaScheduling(scheduler, 'crash'), sagas: [durableSaga] });
  scheduler.start();
  if (job.phase === 'start') await runner.start('bench.durable', { n }, { id: job.id });
  else await runner.resume();
  const deadline = Date.now() + waitMs;
  let status = (await runner.get(job.id)).status;
  while ((status === 'running' || status === 'compensating') && Date.now() < deadline) {
    await sleep(50);
    status = (await runner.get(job.id)).status;
  }
  await runner.close();
  await scheduler.stop();
  await events.close();
  await timers.close();
  return status;
}

async function dbosChild(job: ChildJob): Promise<string> {
  const step = (name: Step): Promise<unknown> =>
    DBOS.runStep(
      () => {
        const result = workflow[name](n);
        io(job, name, `${DBOS.workflowID ?? '?'}:${DBOS.stepID ?? '?'}`);
        return result === 'refused' ? Promise.reject(new Error('refused')) : Promise.resolve(result);
      },
      { name },
    );
  const run = DBOS.registerWorkflow(
    async (): Promise<string> => {
      await step('deposit');
      await step('stake');
      try {
        await step('confirm');
      } catch {
        await step('unstake');
        await step('refund');
        return 'compensated';
      }
      return 'completed';
    },
    { name: 'crashWorkflow' },
  );
  const database = new URL(url);
  database.pathname = `/${job.schema}`;
  DBOS.setConfig({ name: 'lucent-crash', systemDatabaseUrl: database.toString(), logLevel: 'error' });
  // On launch DBOS recovers the workflows this executor left pending.
  await DBOS.launch();
  if (job.phase === 'start') await (await DBOS.startWorkflow(run, { workflowID: job.id })()).getResult();
  const deadline = Date.now() + waitMs;
  let status = (await DBOS.getWorkflowStatus(job.id))?.status;
  while (status !== 'SUCCESS' && status !== 'ERROR' && Date.now() < deadline) {
    await sleep(50);
    status = (await DBOS.getWorkflowStatus(job.id))?.status;
  }
  const result = status === 'SUCCESS' ? String(await DBOS.retrieveWorkflow<string>(job.id).getResult()) : String(status);
  await DBOS.shutdown();
  return result;
}

/** Restate's child only serves the workflow; the server (in the parent) drives it and retries it after the kill. */
async function restateChild(job: ChildJob): Promise<string> {
  const step = (ctx: restate.WorkflowContext, name: Step): Promise<unknown> =>
    ctx.run(name, () => {
      const result = workflow[name](n);
      io(job, name, `${ctx.request().id}:${name}`);
      if (result === 'refused') throw new restate.TerminalError('refused');
      return Promise.resolve(result);
    });
  const crashWorkflow = restate.workflow({
    name: 'CrashWorkflow',
    handlers: {
      run: async (ctx: restate.WorkflowContext): Promise<string> => {
        await step(ctx, 'deposit');
        await step(ctx, 'stake');
        try {
          await step(ctx, 'confirm');
        } catch (error) {
          if (!(error instanceof restate.TerminalError)) throw error;
          await step(ctx, 'unstake');
          await step(ctx, 'refund');
          return 'compensated';
        }
        return 'completed';
      },
    },
  });
  const server = createHttp2Server(restate.createEndpointHandler({ services: [crashWorkflow], logger: quietLogger }));
  await new Promise<void>((resolve) => server.listen(job.port, '127.0.0.1', () => resolve()));
  process.send?.({ listening: true });
  await new Promise<never>(() => undefined);
  return 'unreachable';
}

async function child(job: ChildJob): Promise<void> {
  const status = job.engine === 'lucent' ? await lucentChild(job) : job.engine === 'dbos' ? await dbosChild(job) : await restateChild(job);
  process.send?.({ status });
  process.exit(0);
}

// ── the parent: every engine, every kill point ─────────────────────────────────────────────

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

interface Outcome {
  readonly exit: string;
  readonly status?: string;
  readonly listening?: boolean;
}

function spawnChild(job: ChildJob): { readonly process: ChildProcess; readonly done: Promise<Outcome>; readonly listening: Promise<void> } {
  const p = fork(fileURLToPath(import.meta.url), [], { env: { ...process.env, LUCENT_CRASH_CHILD: JSON.stringify(job) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let status: string | undefined;
  let onListening: () => void = () => undefined;
  const listening = new Promise<void>((resolve) => (onListening = resolve));
  p.on('message', (m: { status?: string; listening?: boolean }) => {
    if (m.status !== undefined) status = m.status;
    if (m.listening === true) onListening();
  });
  const done = new Promise<Outcome>((resolve) =>
    p.once('exit', (code, signal) => resolve({ exit: signal ?? `code ${code ?? '?'}`, ...(status === undefined ? {} : { status }) })),
  );
  return { process: p, done, listening };
}

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no end within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Per step: I/O calls, and distinct idempotency keys among them (what a receiver that dedupes on the key applies). */
function counts(dir: string): Record<Step, { calls: number; keys: number }> {
  const lines = existsSync(join(dir, 'io.log')) ? readFileSync(join(dir, 'io.log'), 'utf8').split('\n').filter(Boolean) : [];
  const of = (s: Step) => lines.filter((l) => l.split(' ')[0] === s);
  return Object.fromEntries(steps.map((s) => [s, { calls: of(s).length, keys: new Set(of(s).map((l) => l.split(' ')[1])).size }])) as Record<
    Step,
    { calls: number; keys: number }
  >;
}

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function crashOnce(engine: Engine, killAt: Step, restateServer: { ingressUrl: string; port: number } | undefined, tag: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `lucent-crash-${engine}-`));
  const schema = `crash_${engine}_${killAt}_${tag}`;
  const job: ChildJob = { engine, phase: 'start', killAt, dir, id: `crash-${killAt}-${tag}`, schema, port: restateServer?.port ?? 0 };
  if (engine === 'dbos') await admin(`CREATE DATABASE ${schema}`);
  try {
    let final: string | undefined;
    if (engine === 'restate' && restateServer !== undefined) {
      const first = spawnChild(job);
      await withTimeout(first.listening, 20_000, 'restate endpoint');
      const sent = await fetch(`${restateServer.ingressUrl}/CrashWorkflow/${job.id}/run/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'null' });
      if (!sent.ok) throw new Error(`restate send: ${sent.status} ${await sent.text()}`);
      const killed = await withTimeout(first.done, waitMs, 'restate start');
      if (killed.exit !== 'SIGKILL') throw new Error(`restate child ended ${killed.exit}, not killed`);
      const second = spawnChild({ ...job, phase: 'recover' });
      await withTimeout(second.listening, 20_000, 'restate endpoint');
      const res = await withTimeout(fetch(`${restateServer.ingressUrl}/restate/workflow/CrashWorkflow/${job.id}/attach`), waitMs, 'restate attach');
      final = res.ok ? String(JSON.parse(await res.text())) : `HTTP ${res.status}`;
      second.process.kill('SIGTERM');
      await second.done;
    } else {
      const killed = await withTimeout(spawnChild(job).done, waitMs, `${engine} start`);
      if (killed.exit !== 'SIGKILL') throw new Error(`${engine} child ended ${killed.exit} (${killed.status ?? ''}), not killed`);
      final = (await withTimeout(spawnChild({ ...job, phase: 'recover' }).done, waitMs + 10_000, `${engine} recover`)).status;
    }
    const c = counts(dir);
    return `| ${engine} | ${killAt} | ${steps.map((s) => c[s].calls).join(' / ')} | ${steps.map((s) => c[s].keys).join(' / ')} | ${final ?? '?'} |`;
  } finally {
    await rm(dir, { recursive: true, force: true });
    if (engine === 'lucent') {
      await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin(`DROP SCHEMA IF EXISTS ${schema}_timers CASCADE`);
    }
    if (engine === 'dbos') await admin(`DROP DATABASE IF EXISTS ${schema} WITH (FORCE)`);
  }
}

async function main(): Promise<void> {
  const tag = Math.floor(Math.random() * 1e9).toString(36);
  const only = process.argv[2] as Engine | undefined;
  console.log(`| engine | killed after the I/O of | I/O calls: ${steps.join(' / ')} | distinct idempotency keys | ended |`);
  console.log('|---|---|---|---|---|');
  for (const engine of ['lucent', 'dbos', 'restate'] as const) {
    if (only !== undefined && only !== engine) continue;
    let server: Awaited<ReturnType<typeof startRestateServer>> | undefined;
    let restateTarget: { ingressUrl: string; port: number } | undefined;
    try {
      if (engine === 'restate') {
        server = await startRestateServer();
        const port = await freePort();
        restateTarget = { ingressUrl: server.ingressUrl, port };
        // Register once against an endpoint that then stays on this port across kills.
        const probe = spawnChild({ engine, phase: 'recover', killAt: 'refund', dir: tmpdir(), id: 'none', schema: '', port });
        await withTimeout(probe.listening, 20_000, 'restate endpoint');
        await server.register(`http://127.0.0.1:${port}`);
        probe.process.kill('SIGTERM');
        await probe.done;
      }
      for (const killAt of steps) {
        try {
          console.log(await crashOnce(engine, killAt, restateTarget, tag));
        } catch (error) {
          console.log(`| ${engine} | ${killAt} | not measured: ${error instanceof Error ? error.message : String(error)} | | |`);
        }
      }
    } finally {
      await server?.stop();
    }
  }
}

const childJob = process.env['LUCENT_CRASH_CHILD'];
if (childJob !== undefined) {
  void child(JSON.parse(childJob) as ChildJob);
} else {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
