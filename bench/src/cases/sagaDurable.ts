// saga.durable: one three-step workflow with compensation, durable on disk, Lucent's SagaRunner on PostgreSQL vs DBOS Transact and Restate.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { defineSaga, RuleViolationError, type SagaReaction } from '@lucent/core';
import { createPostgresEventStore, createPostgresTimerStore } from '@lucent/postgres';
import { SagaRunner, SagaScheduling, Scheduler, type SagaCommandMessage } from '@lucent/runtime';
import { alternate } from '../harness/alternate.js';
import { LatencyRecorder } from '../harness/latencyRecorder.js';
import { wants, type BenchArea, type BenchOptions, type BenchResult } from '../harness/types.js';
import { startDbosSide } from './sagaDurableDbos.js';
import { startRestateSide } from './sagaDurableRestate.js';
import { adminValue, ioLatencyMs, simulatedIo, workflow, type WorkflowSide } from './sagaDurableWork.js';

/** Workflows in flight per side, as the issue asks. */
const inFlight = 64;
/** Connections to PostgreSQL for each PostgreSQL side (Lucent: event store + timer store; DBOS: its system database). */
const connections = 16;

type StepCommand = { type: 'Deposit' | 'Stake' | 'Confirm' | 'Unstake' | 'Refund'; n: number };
interface StepState {
  readonly n: number;
  readonly done: number;
}

/** The workflow as a Lucent saga: each step's success issues the next and records its undo; a refused confirm fails it. */
export const durableSaga = defineSaga<{ n: number }, StepState, StepCommand>({
  type: 'bench.durable',
  initialState: (input) => ({ n: input.n, done: 0 }),
  react(state, event): SagaReaction<StepState, StepCommand> {
    switch (event.type) {
      case 'SagaStarted':
        return { state, commands: [{ type: 'Deposit', n: state.n }] };
      case 'StepSucceeded': {
        const done = state.done + 1;
        const next = { n: state.n, done };
        if (event.data.command.type === 'Deposit') return { state: next, commands: [{ type: 'Stake', n: state.n }], compensations: [{ type: 'Refund', n: state.n }] };
        if (event.data.command.type === 'Stake') return { state: next, commands: [{ type: 'Confirm', n: state.n }], compensations: [{ type: 'Unstake', n: state.n }] };
        return { state: next, complete: true };
      }
      case 'StepFailed':
        return { state, fail: `${event.data.command.type} refused` };
      default:
        return { state };
    }
  },
});

/** The saga's command handler: the same decision and I/O the other sides run in their steps. */
async function lucentCommand(message: SagaCommandMessage): Promise<unknown> {
  const command = message.command as StepCommand;
  const step = command.type.toLowerCase() as 'deposit' | 'stake' | 'confirm' | 'unstake' | 'refund';
  const result = workflow[step](command.n);
  await simulatedIo();
  if (result === 'refused') throw new RuleViolationError('confirm', `confirm ${command.n} refused`);
  return result;
}

async function startLucentSide(options: BenchOptions, tag: string): Promise<WorkflowSide> {
  const schema = `bench_saga_${tag}`;
  const events = await createPostgresEventStore({ connectionString: options.postgresUrl, schema, maxConnections: connections - 4 });
  const timers = await createPostgresTimerStore({ connectionString: options.postgresUrl, schema: `${schema}_timers`, maxConnections: 4 });
  const scheduler = new Scheduler({ store: timers, nodeId: `bench-${tag}` });
  const runner = new SagaRunner({ store: events, commands: lucentCommand, scheduling: new SagaScheduling(scheduler, 'bench'), sagas: [durableSaga] });
  scheduler.start();
  let seq = 0;
  return {
    name: 'lucent',
    run: async (n) => {
      const id = `d${++seq}`;
      await runner.start('bench.durable', { n }, { id });
      return id;
    },
    check: async (id) => (await runner.get(id)).status,
    storedBytes: () =>
      adminValue(
        options.postgresUrl,
        `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint AS v FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname IN ($1, $2) AND c.relkind IN ('r', 'm')`,
        [schema, `${schema}_timers`],
      ),
    stop: async () => {
      await runner.close();
      await scheduler.stop();
      await events.close();
      await timers.close();
      const admin = new pg.Client({ connectionString: options.postgresUrl });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await admin.query(`DROP SCHEMA IF EXISTS ${schema}_timers CASCADE`).catch(() => undefined);
      await admin.end();
    },
  };
}

/** The floor: the same decisions and I/O awaited by hand, nothing recorded. */
function directSide(): WorkflowSide {
  return {
    name: 'direct',
    run: async (n) => {
      workflow.deposit(n);
      await simulatedIo();
      workflow.stake(n);
      await simulatedIo();
      const confirmed = workflow.confirm(n);
      await simulatedIo();
      if (confirmed === 'refused') {
        workflow.unstake(n);
        await simulatedIo();
        workflow.refund(n);
        await simulatedIo();
        return 'compensated';
      }
      return 'completed';
    },
    check: (outcome) => Promise.resolve(outcome),
    stop: () => Promise.resolve(),
  };
}

interface SideTotals {
  readonly latency: LatencyRecorder;
  workflows: number;
  ms: number;
}

/** Workflows each side ran in all, warm-up included, for the bytes stored per workflow. */
const ranInAll = new Map<string, number>();

/** `inFlight` loops, each starting a workflow and awaiting its completion, for `windowMs`. */
async function window(side: WorkflowSide, windowMs: number, totals: SideTotals | undefined, next: () => number): Promise<string | undefined> {
  let done = 0;
  let last: string | undefined;
  const start = performance.now();
  const end = start + windowMs;
  const loop = async (): Promise<void> => {
    while (performance.now() < end) {
      const t = performance.now();
      last = await side.run(next());
      totals?.latency.recordMs(performance.now() - t);
      done++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, loop));
  ranInAll.set(side.name, (ranInAll.get(side.name) ?? 0) + done);
  if (totals !== undefined) {
    totals.workflows += done;
    totals.ms += performance.now() - start;
  }
  return last;
}

async function serverDurability(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const fsync = (await client.query<{ fsync: string }>('SHOW fsync')).rows[0]?.fsync ?? '?';
    const sync = (await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]?.synchronous_commit ?? '?';
    return `fsync=${fsync}, synchronous_commit=${sync}`;
  } finally {
    await client.end();
  }
}

async function durable(options: BenchOptions): Promise<BenchResult[]> {
  const tag = randomBytes(4).toString('hex');
  const sides: WorkflowSide[] = [];
  const missing: string[] = [];
  const tryStart = async (name: string, start: () => Promise<WorkflowSide>): Promise<void> => {
    try {
      sides.push(await start());
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      console.error(`[bench] saga.durable: ${name} did not start, measured without it: ${reason}`);
      missing.push(`${name} (did not start: ${reason})`);
    }
  };
  const durability = await serverDurability(options.postgresUrl);
  await tryStart('lucent', () => startLucentSide(options, tag));
  await tryStart('dbos', () => startDbosSide(options.postgresUrl, tag, connections));
  await tryStart('restate', () => startRestateSide());
  sides.push(directSide());
  const totals = new Map(sides.map((s) => [s.name, { latency: new LatencyRecorder(), workflows: 0, ms: 0 } satisfies SideTotals]));
  const checked: string[] = [];
  const bytesBefore = new Map<string, number>();
  const kbPerWorkflow = new Map<string, number>();
  for (const side of sides) if (side.storedBytes !== undefined) bytesBefore.set(side.name, await side.storedBytes());
  let n = 0;
  try {
    await alternate(
      sides.map((s) => s.name),
      { windowMs: options.windowMs, rounds: options.rounds },
      async (name, windowMs, measured) => {
        const side = sides.find((s) => s.name === name) as WorkflowSide;
        const last = await window(side, windowMs, measured ? totals.get(name) : undefined, () => ++n);
        // Each side must really have run the workflow to its end: the last one is read back from the engine.
        if (!measured && last !== undefined) {
          const status = await side.check(last);
          checked.push(`${name}: ${status}`);
          if (status !== 'completed' && status !== 'compensated') throw new Error(`saga.durable: ${name}'s workflow ended ${status}`);
        }
      },
    );
    for (const side of sides) {
      const before = bytesBefore.get(side.name);
      if (side.storedBytes === undefined || before === undefined) continue;
      kbPerWorkflow.set(side.name, ((await side.storedBytes()) - before) / 1024 / (ranInAll.get(side.name) ?? Number.NaN));
    }
  } finally {
    for (const side of sides) {
      await side.stop().catch((error: unknown) => console.error(`[bench] saga.durable: stopping ${side.name}: ${String(error)}`));
    }
  }
  const of = (f: (t: SideTotals) => number): { lucent: number; baselines: Record<string, number> } => {
    const baselines: Record<string, number> = {};
    for (const [name, t] of totals) if (name !== 'lucent') baselines[name] = f(t);
    const lucent = totals.get('lucent');
    return { lucent: lucent === undefined ? Number.NaN : f(lucent), baselines };
  };
  const note =
    `deposit → stake → confirm, 1 in 16 confirms refused → unstake → refund; each step a pure decision and ${ioLatencyMs} ms of simulated I/O (setTimeout); ` +
    `${inFlight} workflows in flight, latency = start to completion. Lucent: SagaRunner on the PostgreSQL event store and timer store ` +
    `(${connections} connections), scheduler running. dbos: DBOS Transact workflow with runStep steps, its own database on the same server ` +
    `(${connections} connections). restate: a Restate workflow with ctx.run steps, the restate-server binary from npm on loopback, ` +
    `RocksDB WAL fsync on, called through its HTTP ingress. PostgreSQL ${durability}. direct: the same steps awaited by hand, nothing recorded. ` +
    `Last workflow of each warm-up read back: ${checked.join(', ')}.` +
    (missing.length > 0 ? ` Not measured: ${missing.join('; ')}.` : '');
  const floors = ['direct'];
  return [
    { case: 'saga.durable', metric: 'sagas_per_s', higherIsBetter: true, ...of((t) => (t.workflows * 1000) / t.ms), floors, note },
    { case: 'saga.durable', metric: 'p50_ms', higherIsBetter: false, ...of((t) => t.latency.percentileMs(50)), floors, note },
    { case: 'saga.durable', metric: 'p99_ms', higherIsBetter: false, ...of((t) => t.latency.percentileMs(99)), floors, note },
    {
      case: 'saga.durable',
      metric: 'kb_per_op',
      higherIsBetter: false,
      lucent: kbPerWorkflow.get('lucent') ?? Number.NaN,
      baselines: Object.fromEntries([...kbPerWorkflow].filter(([name]) => name !== 'lucent')),
      note:
        'kB stored per workflow: growth over the whole case (warm-up included) divided by the workflows run. Lucent: its schemas\' ' +
        'tables and indexes; dbos: pg_database_size of its database; restate: its data directory on disk (RocksDB WALs and ' +
        'files, memtables not yet flushed show only in the WAL). PostgreSQL\'s own WAL is not counted for either PostgreSQL side.',
    },
  ];
}

export const sagaDurableArea: BenchArea = {
  area: 'saga-durable',
  cases: ['saga.durable'],
  requires: ['postgres'],
  async run(options) {
    return wants(options, 'saga.durable') ? durable(options) : [];
  },
};
