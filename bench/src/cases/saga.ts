// saga.throughput (3-step sagas completed per second) and saga.memory (MB held by 10,000 sagas waiting on a confirmation), in memory.
import { defineSaga, type SagaReaction } from '@lucent/core';
import { MemoryEventStore, MemoryTimerStore, SagaRunner, SagaScheduling, Scheduler } from '@lucent/runtime';
import { alternate } from '../harness/alternate.js';
import { collectGarbage } from '../harness/gc.js';
import { addOps, concurrentOps, emptyOps, opsPerSecond } from '../harness/measure.js';
import type { BenchArea, BenchOptions, BenchResult } from '../harness/types.js';
import { wants } from '../harness/types.js';

type Cmd = { type: 'Step'; n: number };

/** Three steps, each recording an undo, then complete: the shape of a typical short workflow. */
const threeSteps = defineSaga<{ n: number }, { done: number }, Cmd>({
  type: 'bench.three',
  initialState: () => ({ done: 0 }),
  react(state, event): SagaReaction<{ done: number }, Cmd> {
    if (event.type === 'SagaStarted') return { state, commands: [{ type: 'Step', n: 1 }] };
    if (event.type !== 'StepSucceeded') return { state };
    const done = state.done + 1;
    if (done === 3) return { state: { done }, complete: true };
    return { state: { done }, commands: [{ type: 'Step', n: done + 1 }], compensations: [{ type: 'Step', n: -done }] };
  },
});

/** Starts, then waits for a confirmation for up to 10 minutes: what 10,000 pending deposits look like. */
const waiting = defineSaga<{ tx: string }, { tx: string }, Cmd>({
  type: 'bench.waiting',
  initialState: (input) => input,
  react: (state, event) =>
    event.type === 'SagaStarted' ? { state, waits: [{ key: `tx:${state.tx}`, timeoutMs: 600_000, where: { confirmations: { gte: 12 } } }] } : { state },
});

/** The step's work: an async call that resolves at once, so the saga machinery is what is measured. */
const step = (): Promise<{ ok: true }> => Promise.resolve({ ok: true });

function newRunner(sagas: Parameters<SagaRunner['register']>[0][]) {
  const events = new MemoryEventStore();
  const timers = new MemoryTimerStore();
  const scheduler = new Scheduler({ store: timers, nodeId: 'bench' });
  const runner = new SagaRunner({ store: events, commands: step, scheduling: new SagaScheduling(scheduler, 'bench'), sagas });
  return { events, timers, runner };
}

async function throughput(options: BenchOptions): Promise<BenchResult> {
  const concurrency = 64;
  const totals = { lucent: emptyOps(), direct: emptyOps() };
  let seq = 0;
  await alternate(['lucent', 'direct'] as const, { windowMs: options.windowMs, rounds: options.rounds }, async (side, windowMs, measured) => {
    // A fresh runner per window keeps the in-memory store from growing across windows.
    const { runner } = newRunner([threeSteps]);
    const op =
      side === 'lucent'
        ? () => runner.start('bench.three', { n: 0 }, { id: `s${++seq}` })
        : async () => {
            for (let i = 0; i < 3; i++) await step();
          };
    const sample = await concurrentOps(op, windowMs, concurrency);
    await runner.close();
    if (measured) addOps(totals[side], sample);
  });
  return {
    case: 'saga.throughput',
    metric: 'sagas_per_s',
    higherIsBetter: true,
    lucent: opsPerSecond(totals.lucent),
    baselines: { direct: opsPerSecond(totals.direct) },
    floors: ['direct'],
    note: `in-memory event store and timer store (no durability), ${concurrency} sagas in flight; each saga: start, 3 steps, 2 undo records, complete = 5 appended records. direct: the 3 step calls awaited by hand`,
  };
}

async function memory(): Promise<BenchResult> {
  const count = 10_000;
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  const { runner, events, timers } = newRunner([waiting]);
  for (let i = 0; i < count; i += 100) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + 100); j++) batch.push(runner.start('bench.waiting', { tx: `0x${j.toString(16)}` }, { id: `w${j}` }));
    await Promise.all(batch);
  }
  collectGarbage();
  const after = process.memoryUsage().heapUsed;
  const waitingNow = runner.activeCount;
  const pending = (await timers.list({ state: 'pending', limit: count + 1 })).length;
  const mb = (after - before) / 1_048_576;
  await runner.close();
  await events.close();
  if (waitingNow !== count || pending !== count) throw new Error(`expected ${count} waiting sagas, got ${waitingNow} (${pending} armed waits)`);
  return {
    case: 'saga.memory',
    metric: 'mb',
    higherIsBetter: false,
    lucent: mb,
    baselines: {},
    note: `heap growth after GC for ${count} sagas each waiting on an external confirmation (10 min timeout), including their in-memory event streams and armed waits; target < 100 MB`,
  };
}

export const sagaArea: BenchArea = {
  area: 'saga',
  cases: ['saga.throughput', 'saga.memory'],
  async run(options) {
    const out: BenchResult[] = [];
    if (wants(options, 'saga.throughput')) out.push(await throughput(options));
    if (wants(options, 'saga.memory')) out.push(await memory());
    return out;
  },
};
