// Resume after a restart: every saga the index lists as open is reloaded from its stream alone and driven on.
import { describe, expect, it } from 'vitest';
import { defineSaga, silentLogger, type AnySagaDefinition, type Logger, type SagaRecord } from '@lucent/core';
import { MemoryEventStore } from '../eventStore/memoryEventStore.js';
import { MemoryTimerStore } from '../scheduler/memoryTimerStore.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { commandRunner } from './sagaCommandRun.js';
import type { SagaCommandMessage } from './sagaCommandMessage.js';
import { SagaDriver } from './sagaDriver.js';
import { SagaIndex } from './sagaIndex.js';
import { SagaQueues } from './sagaQueue.js';
import { resumeSagas } from './sagaResume.js';
import { SagaScheduling } from './sagaScheduling.js';
import { SagaStreams } from './sagaStreams.js';
import { SagaWakeTimers } from './sagaWakeTimers.js';

/** One step, then complete. */
const oneStep = defineSaga<null, null, { type: 'Ship' }>({
  type: 'ship',
  initialState: () => null,
  react: (state, event) => (event.type === 'SagaStarted' ? { state, commands: [{ type: 'Ship' }] } : { state, complete: true }),
});

function restartedRunner(store: MemoryEventStore, options: { readonly known?: boolean } = {}) {
  const scheduler = new Scheduler({ store: new MemoryTimerStore(), clock: () => 5_000, nodeId: 'resume-spec' });
  const scheduling = new SagaScheduling(scheduler, 'spec');
  scheduling.connect({ wake: async () => {}, waitMatched: async () => {}, waitTimedOut: async () => {} });
  const streams = new SagaStreams(store, 'saga');
  const index = new SagaIndex(store, 'saga', 1_000);
  const ran: SagaCommandMessage[] = [];
  const errors: string[] = [];
  const log: Logger = { ...silentLogger, error: (_, fields) => void errors.push(String(fields?.sagaId)) };
  const driver = new SagaDriver({
    streams,
    index,
    wakes: new SagaWakeTimers(scheduling, () => 5_000),
    scheduling,
    work: { clock: () => 5_000, random: () => 0.5, runCommand: commandRunner(async (m) => void ran.push(m), () => () => {}) },
    definitionOf: (i) => {
      if (options.known === false && i.id === 'unknown') throw new Error('no such saga type');
      return oneStep as AnySagaDefinition;
    },
    log,
    hooks: {},
  });
  const resume = () => resumeSagas({ streams, index, queues: new SagaQueues(), driver, scheduling, clock: () => 5_000, log, concurrency: 2 });
  return { resume, index, driver, ran, errors };
}

const started: SagaRecord = { type: 'SagaStarted', data: { sagaType: 'ship', input: null, at: 1_000 } };
/** What a crashed runner left: opened, started and its step issued, no outcome recorded. */
async function crashedMidStep(store: MemoryEventStore, id: string) {
  const before = restartedRunner(store);
  await before.index.opened(id, 'ship');
  await store.append(`saga-${id}`, [started]);
  before.driver.closed = true;
  await before.driver.react((await new SagaStreams(store, 'saga').load(id))!, { type: 'SagaStarted', data: null, at: 1_000 });
}

describe('resumeSagas', () => {
  it('runs a step left in flight again under its original key and finishes the saga', async () => {
    const store = new MemoryEventStore();
    await crashedMidStep(store, 's1');
    await crashedMidStep(store, 's2');
    const after = restartedRunner(store);
    expect(await after.resume()).toBe(2);
    expect(after.ran.map((m) => m.idempotencyKey).sort()).toEqual(['saga:s1:step:1', 'saga:s2:step:1']);
    expect(await after.index.unfinished()).toEqual([]);
  });

  it('closes in the index a saga that finished before the index heard of it, and skips one whose start never committed', async () => {
    const store = new MemoryEventStore();
    const before = restartedRunner(store);
    await before.index.opened('done', 'ship');
    await store.append('saga-done', [started, { type: 'SagaAdvanced', data: { trigger: { type: 'SagaStarted', data: null, at: 1 }, state: null, issued: [], timers: [], cancelTimers: [], waits: [], compensations: [], complete: true } }]);
    await before.index.opened('never', 'ship');
    const after = restartedRunner(store);
    expect(await after.resume()).toBe(2);
    expect(after.ran).toEqual([]);
    expect(await after.index.unfinished()).toEqual(['never']);
  });

  it('logs a saga that cannot be resumed, leaves it open and resumes the others', async () => {
    const store = new MemoryEventStore();
    await crashedMidStep(store, 'unknown');
    await crashedMidStep(store, 'fine');
    const after = restartedRunner(store, { known: false });
    expect(await after.resume()).toBe(2);
    expect(after.errors).toEqual(['unknown']);
    expect(await after.index.unfinished()).toEqual(['unknown']);
  });

  it('takes no saga once the runner is closed', async () => {
    const store = new MemoryEventStore();
    await crashedMidStep(store, 's1');
    const after = restartedRunner(store);
    after.driver.closed = true;
    expect(await after.resume()).toBe(1);
    expect(after.ran).toEqual([]);
  });
});
