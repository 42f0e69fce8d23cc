// The console's history endpoints over the real PostgreSQL event and timer stores: sagas, schedules, events, projections, replay; none writes.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decisionFunction, defineSaga, LucentError, type Decider, type DomainEvent, type SagaReaction } from '@lucent/core';
import { createPostgresEventStore, createPostgresTimerStore, type SqlEventStore, type SqlTimerStore } from '@lucent/postgres';
import {
  DeciderCommandHandler,
  FunctionManager,
  MemoryProjectionStore,
  readableHead,
  SagaRunner,
  SagaScheduling,
  Scheduler,
} from '@lucent/runtime';
import {
  CONSOLE_HISTORY_SOURCES,
  CONSOLE_READ_GUARD,
  consoleHistoryControllers,
  type ConsoleHistorySources,
  type EventRow,
  type ProjectionRow,
  type ReplayAnswer,
  type SagaRow,
  type SagaTimelineAnswer,
  type ScheduleOverview,
} from './index.js';

/** Every answer's fields in one type (each answer has some of them); `details` is an error's. */
type Answer = SagaTimelineAnswer &
  ScheduleOverview & { counts: Record<string, number>; sagas: SagaRow[]; events: EventRow[]; projections: ProjectionRow[]; details?: { issues?: { path: string }[] } };

const url = process.env['LUCENT_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `console_${randomUUID().replace(/-/g, '').slice(0, 12)}`;

// ── a deposit saga: reserve, then submit; a refused submit releases the reservation ─────────
type DepositCommand = { type: 'Reserve'; id: string } | { type: 'Submit'; id: string } | { type: 'Release'; id: string };
const deposit = defineSaga<{ id: string; refuse: boolean }, { id: string }, DepositCommand>({
  type: 'deposit',
  initialState: (input) => ({ id: input.id }),
  steps: { retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 20 } },
  react(state, event): SagaReaction<{ id: string }, DepositCommand> {
    switch (event.type) {
      case 'SagaStarted':
        return { state, commands: [{ type: 'Reserve', id: state.id }] };
      case 'StepSucceeded':
        if (event.data.command.type === 'Reserve') return { state, commands: [{ type: 'Submit', id: state.id }], compensations: [{ type: 'Release', id: state.id }] };
        return { state, complete: true };
      case 'StepFailed':
        return { state, fail: `${event.data.command.type}: ${event.data.error.message}` };
      default:
        return { state };
    }
  },
});

/** Submit of a refused deposit fails once as transient (a retry), then is refused for good. */
const submitTries = new Map<string, number>();
const inputs = new Map<string, boolean>();
async function runCommand(message: { sagaId: string; command: DepositCommand }): Promise<unknown> {
  if (message.command.type !== 'Submit' || inputs.get(message.sagaId) !== true) return { ok: true };
  const tries = (submitTries.get(message.sagaId) ?? 0) + 1;
  submitTries.set(message.sagaId, tries);
  if (tries === 1) throw new LucentError('UNAVAILABLE', 'chain node busy');
  throw new LucentError('RULE_VIOLATED', 'deposit refused');
}

// ── a decision function with two versions: 2.0.0 doubles the fee ─────────────────────────
type OrderCommand = { id: string; amount: number };
type OrderEvent = DomainEvent<'Filled', { amount: number; fee: number }>;
const orders = (feeFactor: number): Decider<OrderCommand, OrderEvent, { filled: number }> => ({
  initialState: () => ({ filled: 0 }),
  evolve: (s, e) => ({ filled: s.filled + e.data.amount }),
  decide: (c, s) => [{ type: 'Filled', data: { amount: c.amount, fee: (s.filled + c.amount) * feeFactor } }],
});
const OrderInput = z.object({ id: z.string(), amount: z.number().positive() });
const ordersV1 = decisionFunction({ name: 'orders.decide', version: '1.0.0', command: OrderInput }, orders(1));
const ordersV2 = decisionFunction({ name: 'orders.decide', version: '2.0.0', command: OrderInput }, orders(2));

/** The read guard the console module would provide: here, a header stands for a verified token. */
const readGuard = {
  canActivate(context: { switchToHttp(): { getRequest(): { headers: Record<string, unknown> } } }): boolean {
    if (context.switchToHttp().getRequest().headers['x-reader'] !== 'yes') throw new LucentError('UNAUTHORIZED', 'sign in to read the console');
    return true;
  },
};

let events: SqlEventStore;
let timers: SqlTimerStore;
let scheduler: Scheduler;
let runner: SagaRunner;
let app: NestFastifyApplication;
let headBefore: number;
const projections = new MemoryProjectionStore();

const get = async (path: string, headers: Record<string, string> = { 'x-reader': 'yes' }) => {
  const r = await app.inject({ method: 'GET', url: path, headers });
  return { status: r.statusCode, body: r.json() as Answer };
};
const replay = async (payload: unknown) => {
  const r = await app.inject({ method: 'POST', url: '/console/api/replay', headers: { 'x-reader': 'yes', 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
  return { status: r.statusCode, body: r.json() as ReplayAnswer & Pick<Answer, 'details'> };
};

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  events = await createPostgresEventStore({ connectionString: url, schema });
  timers = await createPostgresTimerStore({ connectionString: url, schema });
  scheduler = new Scheduler({ store: timers, nodeId: 'console-history-spec', pollIntervalMs: 20 });
  runner = new SagaRunner({ store: events, name: 'deposit', sagas: [deposit], commands: (m) => runCommand(m as never), scheduling: new SagaScheduling(scheduler, 'deposit') });
  const ticks: number[] = [];
  scheduler.handle('tick', () => void ticks.push(Date.now()));
  await scheduler.cron({ id: 'every-second', expression: '* * * * * *', handler: 'tick', misfire: 'skip' });
  await scheduler.schedule({ id: 'later', handler: 'tick', delayMs: 3_600_000 });
  await scheduler.waitFor({ key: 'tx:0xabc:confirmed', timeoutMs: 600_000, onMatch: 'tick', onTimeout: 'tick' });
  scheduler.start();
  for (const [id, refuse] of [['d-ok', false], ['d-refused', true]] as const) {
    inputs.set(id, refuse);
    await runner.start('deposit', { id, refuse }, { id });
  }
  await until(async () => (await runner.get('d-refused')).status === 'compensated', 'the refused deposit to compensate');
  await until(async () => (await runner.get('d-ok')).status === 'completed', 'the good deposit to complete');
  await until(async () => ticks.length > 0 && (await timers.outcomes('every-second')).length > 0, 'a cron run');
  await runner.close();
  await scheduler.stop();

  const functions = new FunctionManager().register(ordersV1, ordersV2);
  const handler = new DeciderCommandHandler({ store: events, functions, decider: orders(1), decision: 'orders.decide', streamOf: (c: OrderCommand) => `order-${c.id}` });
  for (const amount of [3, 2, 5]) await handler.handle({ id: 'o1', amount });
  const head = await readableHead(events);
  await projections.commit('orders-view', 1, 0, head - 1, new Map());

  const sources: ConsoleHistorySources = {
    events,
    timers,
    sagaRunners: ['deposit'],
    projections: { store: projections, names: ['orders-view'] },
    replay: { functions, deciders: { 'orders.decide': orders(1) } },
  };
  @Module({
    controllers: consoleHistoryControllers,
    providers: [
      { provide: CONSOLE_HISTORY_SOURCES, useValue: sources },
      { provide: CONSOLE_READ_GUARD, useValue: readGuard },
    ],
  })
  class HistoryOnly {}
  app = await NestFactory.create<NestFastifyApplication>(HistoryOnly, new FastifyAdapter(), { logger: false });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  headBefore = await readableHead(events);
}, 30_000);

afterAll(async () => {
  await app?.close();
  await timers?.close();
  await events?.close();
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await c.end();
});

describe('console history endpoints', () => {
  it('counts sagas by state and lists them filtered by state and type', async () => {
    const all = await get('/console/api/sagas');
    expect(all.status).toBe(200);
    expect(all.body.counts).toEqual({ running: 0, compensating: 0, completed: 1, compensated: 1, failed: 0 });
    expect(all.body.sagas.map((s) => s.id)).toEqual(['d-refused', 'd-ok']);
    const compensated = await get('/console/api/sagas?state=compensated&type=deposit');
    expect(compensated.body.sagas).toEqual([
      expect.objectContaining({ id: 'd-refused', type: 'deposit', state: 'compensated', step: null, failure: 'Submit: deposit refused', runner: 'deposit' }),
    ]);
    const [row] = compensated.body.sagas;
    expect(Date.parse(row!.startedAt)).toBeLessThanOrEqual(Date.parse(row!.updatedAt));
    expect((await get('/console/api/sagas?type=withdrawal')).body.sagas).toEqual([]);
  });

  it('shows a compensated saga\'s timeline in order: started, steps, the retry, the compensation, compensated', async () => {
    const { status, body } = await get('/console/api/sagas/d-refused');
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: 'd-refused', type: 'deposit', state: 'compensated' });
    const timeline = body.timeline;
    expect(timeline.map((e) => [e.kind, e.name])).toEqual([
      ['started', 'deposit'],
      ['step', 'Reserve'],
      ['step', 'Submit'],
      ['retry', 'Submit'],
      ['compensation', 'Release'],
      ['compensated', 'deposit'],
    ]);
    expect(timeline[2]?.detail).toMatchObject({ outcome: 'failed', error: { code: 'RULE_VIOLATED' } });
    expect(timeline[3]?.detail).toMatchObject({ attempt: 1, error: { code: 'UNAVAILABLE', message: 'chain node busy' } });
    expect(timeline[4]?.detail).toMatchObject({ command: { type: 'Release', id: 'd-refused' }, reason: 'Submit: deposit refused' });
    const times = timeline.map((e) => Date.parse(e.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    // The failed Submit lasted at least its retry wait: 20 ms with jitter, never under half of it.
    expect(timeline[2]?.durationMs).toBeGreaterThanOrEqual(10);
    expect((await get('/console/api/sagas/nobody')).status).toBe(404);
  });

  it('lists the cron job with its next firing and last runs, the armed timer and the external wait', async () => {
    const { status, body } = await get('/console/api/schedules');
    expect(status).toBe(200);
    const cron = body.crons.find((c) => c.name === 'every-second');
    expect(cron).toMatchObject({ expression: '* * * * * *', handler: 'tick', misfire: 'skip', state: 'pending' });
    expect(Date.parse(cron?.nextAt ?? '') % 1_000).toBe(0);
    expect(cron?.last[0]).toMatchObject({ outcome: 'fired', error: null });
    expect(body.timers).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'later', name: 'tick', attempts: 0 })]));
    expect(body.waits).toEqual([expect.objectContaining({ id: 'wait:tx:0xabc:confirmed', event: 'tx:0xabc:confirmed', fallback: 'tick', matched: false })]);
  });

  it('reads events by global position and by stream, and projections with their lag', async () => {
    const stream = await get('/console/api/streams/order-o1?from=2&limit=5');
    expect(stream.body.events.map((e) => [e.version, e.type, e.data])).toEqual([
      [2, 'Filled', { amount: 2, fee: 5 }],
      [3, 'Filled', { amount: 5, fee: 10 }],
    ]);
    const position = stream.body.events[0]?.position;
    const byPosition = await get(`/console/api/events?from=${position}&limit=1`);
    expect(byPosition.body.events).toEqual([stream.body.events[0]]);
    expect(byPosition.body.events[0]).toMatchObject({ streamId: 'order-o1', version: 2 });
    expect((await get('/console/api/projections')).body.projections).toEqual([{ name: 'orders-view', generation: 1, checkpoint: headBefore - 1, head: headBefore, lag: 1 }]);
  });

  it('replays an unchanged version with no divergence and a changed one with each diverged decision', async () => {
    const same = await replay({ streamId: 'order-o1', function: 'orders.decide', version: '1.0.0' });
    expect(same).toEqual({ status: 200, body: { streamId: 'order-o1', function: 'orders.decide', version: '1.0.0', events: 3, decisions: 3, diverged: [] } });
    const changed = await replay({ streamId: 'order-o1', function: 'orders.decide', version: '2.0.0' });
    expect(changed.body.decisions).toBe(3);
    expect(changed.body.diverged).toEqual([
      { position: 1, toPosition: 1, path: '0.data.fee', expected: 3, actual: 6, error: null },
      { position: 2, toPosition: 2, path: '0.data.fee', expected: 5, actual: 10, error: null },
      { position: 3, toPosition: 3, path: '0.data.fee', expected: 10, actual: 20, error: null },
    ]);
  });

  it('refuses a bad query or body with 400 naming the field, an unknown version with 404, and a reader without a token', async () => {
    const field = (r: { body: Pick<Answer, 'details'> }) => r.body.details?.issues?.map((i) => i.path);
    expect(field(await get('/console/api/sagas?state=sleeping'))).toEqual(['state']);
    expect(field(await get('/console/api/sagas?limit=0'))).toEqual(['limit']);
    expect(field(await get('/console/api/events?from=-1'))).toEqual(['from']);
    expect(field(await get('/console/api/streams/order-o1?limit=abc'))).toEqual(['limit']);
    const missing = await replay({ streamId: 'order-o1', version: '1.0.0' });
    expect([missing.status, field(missing)]).toEqual([400, ['function']]);
    const unknown = await replay({ streamId: 'order-o1', function: 'prices.decide', version: '1.0.0' });
    expect([unknown.status, field(unknown)]).toEqual([400, ['function']]);
    expect((await replay({ streamId: 'order-o1', function: 'orders.decide', version: '9.9.9' })).status).toBe(404);
    expect((await get('/console/api/sagas', {})).status).toBe(401);
    expect((await get('/console/api/schedules', {})).status).toBe(401);
  });

  it('wrote nothing to the event store', async () => {
    expect(await readableHead(events)).toBe(headBefore);
    expect(await events.streamVersion('deposit.index')).toBe(4);
  });
});
