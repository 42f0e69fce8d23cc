// Saga streams: a saga's records in `<name>-<id>`, folded once and held in memory while the saga is unfinished.
import { describe, expect, it } from 'vitest';
import { ConcurrencyError, evolveSaga, type SagaRecord } from '@lucent/core';
import { MemoryEventStore } from '../eventStore/memoryEventStore.js';
import { SagaStreams, toRecords } from './sagaStreams.js';

const started: SagaRecord = { type: 'SagaStarted', data: { sagaType: 'trip', input: { to: 'lisbon' }, at: 1 } };
const advanced = (complete: boolean): SagaRecord => ({
  type: 'SagaAdvanced',
  data: {
    trigger: { type: 'SagaStarted', data: null, at: 1 },
    state: { n: 1 },
    issued: [],
    timers: [],
    cancelTimers: [],
    waits: [],
    compensations: [],
    complete,
  },
});

describe('SagaStreams', () => {
  it('writes a saga to its own stream, loads it folded and holds it while unfinished', async () => {
    const store = new MemoryEventStore();
    const streams = new SagaStreams(store, 'trip');
    expect(await streams.exists('t1')).toBe(false);
    await streams.create('t1', [started, advanced(false)]);
    expect(streams.streamOf('t1')).toBe('trip-t1');
    expect(await store.streamVersion('trip-t1')).toBe(2);
    const loaded = await streams.load('t1');
    expect(loaded).toMatchObject({ id: 't1', type: 'trip', status: 'running', state: { n: 1 }, version: 2 });
    expect(streams.size).toBe(1);
    expect(streams.countByStatus()).toEqual({ running: 1 });
    expect(await streams.load('t1')).toBe(loaded);
    await expect(streams.create('t1', [started])).rejects.toBeInstanceOf(ConcurrencyError);
  });

  it('does not hold a finished saga, and returns undefined for one never started', async () => {
    const streams = new SagaStreams(new MemoryEventStore(), 'saga');
    await streams.create('done', [started, advanced(true)]);
    expect((await streams.load('done'))?.status).toBe('completed');
    expect(streams.size).toBe(0);
    expect(await streams.load('nobody')).toBeUndefined();
  });

  it('refuses a record at a version a rival writer took; once its copy is forgotten the next load reads the stream afresh', async () => {
    const store = new MemoryEventStore();
    const streams = new SagaStreams(store, 'saga');
    await streams.create('s1', [started]);
    const stale = (await streams.load('s1'))!;
    await store.append('saga-s1', [advanced(false)], { expectedVersion: 1 });
    await expect(streams.append(stale, advanced(false))).rejects.toBeInstanceOf(ConcurrencyError);
    expect(await streams.load('s1')).toBe(stale);
    streams.forget('s1');
    expect(streams.size).toBe(0);
    expect((await streams.load('s1'))?.version).toBe(2);
    const next = evolveSaga((await streams.load('s1'))!, advanced(false));
    expect(next.version).toBe(3);
  });

  it('folds only saga records, ignoring anything else written to the stream', () => {
    const events = [
      { type: 'SagaStarted', data: started.data },
      { type: 'SomethingElse', data: {} },
    ] as unknown as Parameters<typeof toRecords>[0];
    expect(toRecords(events).map((r) => r.type)).toEqual(['SagaStarted']);
  });
});
