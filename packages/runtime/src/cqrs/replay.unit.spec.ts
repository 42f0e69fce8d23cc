// Replay over the in-memory store: recorded decisions run again with the clock reading and seed they saw.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decisionFunction, initialRules, registerVersion, setWeights, type Decider, type DomainEvent } from '@lucent/core';
import { MemoryEventStore } from '../eventStore/memoryEventStore.js';
import { FunctionManager } from '../functionManager/functionManager.js';
import { DeciderCommandHandler, type DeciderCommandHandlerOptions } from './deciderCommandHandler.js';
import { decisionRecordOf } from './decisionRecord.js';
import { firstDifference, replayStream } from './replay.js';

type Cmd = { id: string; amount: number };
type Ev =
  | DomainEvent<'Opened', { id: string; at: number; ticket: string }>
  | DomainEvent<'Filled', { amount: number; price: number; at: number }>;
type St = { open: boolean; filled: number };

// The decision reads the clock, the random generator and the id source: replay must hand back all three.
const orders = (priceFactor: number): Decider<Cmd, Ev, St> => ({
  initialState: () => ({ open: false, filled: 0 }),
  evolve: (s, e) => (e.type === 'Opened' ? { ...s, open: true } : { ...s, filled: s.filled + e.data.amount }),
  decide: (c, s, ctx) => {
    const fill: Ev = { type: 'Filled', data: { amount: c.amount, price: Math.round(ctx.random() * 1000) * priceFactor, at: ctx.now() } };
    if (s.open) return [fill];
    return [{ type: 'Opened', data: { id: c.id, at: ctx.now(), ticket: ctx.newId() } }, fill];
  },
});
const Command = z.object({ id: z.string().min(1), amount: z.number().positive() });
const v1 = decisionFunction({ name: 'orders.decide', version: '1.0.0', command: Command }, orders(1));
const v2 = decisionFunction({ name: 'orders.decide', version: '2.0.0', command: Command }, orders(2));
const v1Again = decisionFunction({ name: 'orders.decide', version: '1.0.1', command: Command }, orders(1));

/** The orders handler every case uses; `extra` sets what the case is about. */
const ordersHandler = (
  store: MemoryEventStore,
  functions: FunctionManager,
  extra: Partial<DeciderCommandHandlerOptions<Cmd, Ev, St>> = {},
): DeciderCommandHandler<Cmd, Ev, St> =>
  new DeciderCommandHandler({
    store,
    functions,
    decider: orders(1),
    decision: 'orders.decide',
    streamOf: (c: Cmd) => `order-${c.id}`,
    ...extra,
  });

async function recordedStream() {
  const store = new MemoryEventStore();
  let t = 1_700_000_000_000;
  const clock = (): number => (t += 1_000);
  const live = new FunctionManager({ clock }).register(v1);
  const handler = ordersHandler(store, live, { clock });
  await handler.handle({ id: 'o1', amount: 3 }, { business: { userId: 'u-1' } });
  await handler.handle({ id: 'o1', amount: 2 });
  await handler.handle({ id: 'o1', amount: 5 }, { correlationId: 'corr-3' });
  return { store };
}

describe('DeciderCommandHandler decision record', () => {
  it('writes function, version, command, clock reading and seed on the first event of each batch only', async () => {
    const { store } = await recordedStream();
    const events = await store.readStream('order-o1');
    expect(events.map((e) => e.type)).toEqual(['Opened', 'Filled', 'Filled', 'Filled']);
    const first = decisionRecordOf(events[0]!.metadata);
    expect(first).toMatchObject({
      function: 'orders.decide',
      version: '1.0.0',
      command: { id: 'o1', amount: 3 },
      now: (events[0]!.data as { at: number }).at,
      seed: events[0]!.metadata.correlationId,
      attempt: 1,
      batchSize: 2,
      business: { userId: 'u-1' },
    });
    expect(events[1]!.metadata).not.toHaveProperty('decision');
    expect(decisionRecordOf(events[3]!.metadata)).toMatchObject({ seed: 'corr-3', batchSize: 1, command: { amount: 5 } });
  });

  it('records the version the registry rules chose for the caller, and replay runs that one', async () => {
    const store = new MemoryEventStore();
    const functions = new FunctionManager().register(v1, v2);
    const fp = { input: 'sha256:x', output: 'sha256:y' };
    const rules = setWeights(registerVersion(initialRules('orders.decide', { version: '1.0.0', fingerprint: fp }), { version: '2.0.0', fingerprint: fp }), {
      '2.0.0': 100,
    });
    functions.applyRules('orders.decide', rules);
    const handler = ordersHandler(store, functions);
    await handler.handle({ id: 'ab', amount: 1 }); // no sticky key: the active version
    await handler.handle({ id: 'ab', amount: 1 }, { business: { userId: 'u-9' } }); // keyed: all weight on 2.0.0
    const events = await store.readStream('order-ab');
    expect(events.map((e) => decisionRecordOf(e.metadata)?.version)).toEqual(['1.0.0', undefined, '2.0.0']);
    const report = await replayStream(store, new FunctionManager().register(v1, v2), orders(1), 'order-ab');
    expect(report).toMatchObject({ same: 2, diverged: 0 });
  });

  it('records nothing when recordDecisions is off', async () => {
    const store = new MemoryEventStore();
    const handler = ordersHandler(store, new FunctionManager().register(v1), { recordDecisions: false });
    await handler.handle({ id: 'quiet', amount: 1 });
    const events = await store.readStream('order-quiet');
    expect(events.every((e) => decisionRecordOf(e.metadata) === undefined)).toBe(true);
  });
});

describe('replayStream', () => {
  it('reports every recorded batch as the same when the recorded version runs again, whatever the clock now says', async () => {
    const { store } = await recordedStream();
    // A replaying manager on another clock entirely: the recorded reading must win.
    const replaying = new FunctionManager({ clock: () => 42 }).register(v1, v2);
    const report = await replayStream(store, replaying, orders(1), 'order-o1');
    expect(report.batches.map((b) => [b.fromVersion, b.toVersion, b.status, `${b.function}@${b.replayedVersion}`])).toEqual([
      [1, 2, 'same', 'orders.decide@1.0.0'],
      [3, 3, 'same', 'orders.decide@1.0.0'],
      [4, 4, 'same', 'orders.decide@1.0.0'],
    ]);
    expect(report).toMatchObject({ stream: 'order-o1', events: 4, same: 3, diverged: 0, notRecorded: 0 });
  });

  it('names the first differing field when a different version replays the history', async () => {
    const { store } = await recordedStream();
    const stored = await store.readStream('order-o1');
    const replaying = new FunctionManager().register(v1, v2);
    const report = await replayStream(store, replaying, orders(1), 'order-o1', { version: '2.0.0' });
    expect(report.diverged).toBe(3);
    const first = report.batches[0]!;
    expect(first).toMatchObject({ status: 'diverged', recordedVersion: '1.0.0', replayedVersion: '2.0.0' });
    const storedPrice = (stored[1]!.data as { price: number }).price;
    expect(first.difference).toEqual({ path: '1.data.price', stored: storedPrice, replayed: storedPrice * 2 });
  });

  it('agrees with an equivalent new version, so a refactor can be checked before the swap', async () => {
    const { store } = await recordedStream();
    const report = await replayStream(store, new FunctionManager().register(v1, v1Again), orders(1), 'order-o1', { version: '1.0.1' });
    expect(report).toMatchObject({ same: 3, diverged: 0 });
  });

  it('reports a version the manager does not have as diverged with FUNCTION_NOT_FOUND', async () => {
    const { store } = await recordedStream();
    const report = await replayStream(store, new FunctionManager().register(v1), orders(1), 'order-o1', { version: '9.9.9' });
    expect(report.diverged).toBe(3);
    expect(report.batches[0]!.error).toMatchObject({ code: 'FUNCTION_NOT_FOUND' });
  });

  it('applies the candidate version to the named function only: the others replay with the version that recorded them', async () => {
    const { store } = await recordedStream();
    const functions = new FunctionManager().register(v1, v2);
    const elsewhere = await replayStream(store, functions, orders(1), 'order-o1', { version: '2.0.0', function: 'fees.decide' });
    expect(elsewhere.batches.map((b) => [b.replayedVersion, b.status])).toEqual([['1.0.0', 'same'], ['1.0.0', 'same'], ['1.0.0', 'same']]);
    const here = await replayStream(store, functions, orders(1), 'order-o1', { version: '2.0.0', function: 'orders.decide' });
    expect(here).toMatchObject({ same: 0, diverged: 3 });
  });

  it('marks events appended without a record as not-recorded and still folds them into later state', async () => {
    const store = new MemoryEventStore();
    // Written by other code: the order is already open, so the recorded decision emits a single fill.
    await store.append('order-o2', [{ type: 'Opened', data: { id: 'o2', at: 1, ticket: 't' } }]);
    const handler = ordersHandler(store, new FunctionManager().register(v1));
    await handler.handle({ id: 'o2', amount: 4 });
    const report = await replayStream(store, new FunctionManager().register(v1), orders(1), 'order-o2');
    expect(report.batches.map((b) => [b.fromVersion, b.toVersion, b.status])).toEqual([
      [1, 1, 'not-recorded'],
      [2, 2, 'same'],
    ]);
  });

  it('an empty stream has no batches', async () => {
    const report = await replayStream(new MemoryEventStore(), new FunctionManager(), orders(1), 'order-none');
    expect(report).toEqual({ stream: 'order-none', events: 0, batches: [], same: 0, diverged: 0, notRecorded: 0 });
  });
});

describe('firstDifference', () => {
  it('ignores key order and finds missing elements and keys', () => {
    expect(firstDifference({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 })).toBeUndefined();
    expect(firstDifference([{ type: 'A' }], [{ type: 'A' }, { type: 'B' }])).toEqual({ path: '1', stored: undefined, replayed: { type: 'B' } });
    expect(firstDifference({ data: { x: 1 } }, { data: { x: 1, y: 2 } })).toEqual({ path: 'data.y', stored: undefined, replayed: 2 });
    expect(firstDifference({ data: [1] }, { data: { 0: 1 } })).toEqual({ path: 'data', stored: [1], replayed: { 0: 1 } });
  });
});
