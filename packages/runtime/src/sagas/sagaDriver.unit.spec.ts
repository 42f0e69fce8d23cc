// The saga driver: records each decision, does due work until the saga sleeps or finishes, and closes a finished saga.
import { describe, expect, it } from 'vitest';
import { LucentError, defineSaga, silentLogger, type AnySagaDefinition, type SagaRecord } from '@lucent/core';
import { MemoryEventStore } from '../eventStore/memoryEventStore.js';
import { MemoryTimerStore } from '../scheduler/memoryTimerStore.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { commandRunner } from './sagaCommandRun.js';
import { SagaDriver } from './sagaDriver.js';
import { SagaIndex } from './sagaIndex.js';
import { SagaScheduling } from './sagaScheduling.js';
import { SagaStreams } from './sagaStreams.js';
import { SagaWakeTimers } from './sagaWakeTimers.js';

type Cmd = { type: 'Pay' } | { type: 'Refund' };
/** Pays, then sleeps until a 'later' timer; a 'Boom' event makes the reducer throw. */
const order = defineSaga<null, { paid: boolean }, Cmd, { type: 'Boom'; data: null }>({
  type: 'order',
  initialState: () => ({ paid: false }),
  react(state, event) {
    if (event.type === 'SagaStarted') return { state, commands: [{ type: 'Pay' }] };
    if (event.type === 'StepSucceeded') return { state: { paid: true }, timers: [{ name: 'later', afterMs: 60_000 }], compensations: [{ type: 'Refund' }] };
    if (event.type === 'TimerFired') return { state, complete: true };
    if (event.type === 'Boom') throw new Error('bad event');
    return { state };
  },
});

function setup(handler: (type: string) => unknown = () => null, store = new MemoryEventStore()) {
  let now = 1_000;
  const scheduler = new Scheduler({ store: new MemoryTimerStore(), clock: () => now, nodeId: 'driver-spec' });
  const scheduling = new SagaScheduling(scheduler, 'spec');
  scheduling.connect({ wake: async () => {}, waitMatched: async () => {}, waitTimedOut: async () => {} });
  const streams = new SagaStreams(store, 'saga');
  const index = new SagaIndex(store, 'saga', 1_000);
  const wakes = new SagaWakeTimers(scheduling, () => now);
  const recorded: string[] = [];
  const driver = new SagaDriver({
    streams,
    index,
    wakes,
    scheduling,
    work: { clock: () => now, random: () => 0.5, runCommand: commandRunner(async (m) => handler(m.command.type), () => () => {}) },
    definitionOf: () => order as AnySagaDefinition,
    log: silentLogger,
    hooks: { afterRecord: (_, r) => void recorded.push(r.type) },
  });
  /** Write a started saga, as the runner's start() does, and return it loaded. */
  const start = async (id: string) => {
    const started: SagaRecord = { type: 'SagaStarted', data: { sagaType: 'order', input: null, at: now } };
    await index.opened(id, 'order');
    await streams.create(id, [started]);
    return (await streams.load(id))!;
  };
  return { driver, streams, index, wakes, store, scheduler, recorded, start, setNow: (t: number) => (now = t) };
}

describe('SagaDriver', () => {
  it('reacts, runs the step, records it and arms the wake-up it then sleeps until', async () => {
    const { driver, streams, wakes, start, recorded } = setup();
    const s = await start('o1');
    await driver.drive(await driver.react(s, { type: 'SagaStarted', data: null, at: 1_000 }));
    expect(recorded).toEqual(['SagaAdvanced', 'SagaAdvanced']);
    expect((await streams.load('o1'))?.state).toEqual({ paid: true });
    expect(wakes.armedAt('o1')).toBe(61_000);
  });

  it('finishes the saga when its timer is due, closes it in the index and forgets it', async () => {
    const { driver, streams, index, wakes, start, setNow } = setup();
    await driver.drive(await driver.react(await start('o1'), { type: 'SagaStarted', data: null, at: 1_000 }));
    setNow(61_000);
    await driver.drive((await streams.load('o1'))!);
    const done = await streams.load('o1');
    expect(done?.status).toBe('completed');
    expect(streams.size).toBe(0);
    expect(wakes.armedAt('o1')).toBeUndefined();
    expect(await index.unfinished()).toEqual([]);
  });

  it('fails and compensates a saga whose reducer throws', async () => {
    const ran: string[] = [];
    const { driver, streams, start } = setup((type) => ran.push(type));
    await driver.drive(await driver.react(await start('o1'), { type: 'SagaStarted', data: null, at: 1_000 }));
    await driver.drive(await driver.react((await streams.load('o1'))!, { type: 'Boom', data: null, at: 2_000 }));
    const failed = await streams.load('o1');
    expect(failed?.failure).toBe('reducer threw on Boom: bad event');
    expect(failed?.status).toBe('compensated');
    expect(ran).toEqual(['Pay', 'Refund']);
  });

  it('reloads and re-plans when another runner recorded the step first', async () => {
    const a = setup();
    a.driver.closed = true;
    const stale = await a.driver.react(await a.start('o1'), { type: 'SagaStarted', data: null, at: 1_000 });
    a.driver.closed = false;
    const b = setup(() => null, a.store);
    await b.driver.drive((await b.streams.load('o1'))!);
    await a.driver.drive(stale);
    expect(await a.store.streamVersion('saga-o1')).toBe(3);
    expect((await a.streams.load('o1'))?.state).toEqual({ paid: true });
    expect(a.wakes.armedAt('o1')).toBe(61_000);
  });

  it('writes nothing once halted, and takes no step once closed', async () => {
    const { driver, start, recorded } = setup();
    const s = await start('o1');
    driver.closed = true;
    await driver.drive(s);
    expect(recorded).toEqual([]);
    driver.halted = true;
    await expect(driver.react(s, { type: 'SagaStarted', data: null, at: 1_000 })).rejects.toThrow(LucentError);
  });
});
