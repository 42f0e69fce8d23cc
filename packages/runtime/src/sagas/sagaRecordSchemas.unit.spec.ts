// What a saga runner reads back from storage is checked: a corrupted record, index event or timer payload is refused by name, never folded into a made-up state.
import { describe, expect, it } from 'vitest';
import { ValidationError, type SagaRecord } from '@lucent/core';
import { MemoryEventStore } from '../eventStore/memoryEventStore.js';
import { SagaIndex } from './sagaIndex.js';
import { parseTimerPayload, WaitPayloadSchema } from './sagaRecordSchemas.js';
import { SagaStreams } from './sagaStreams.js';

const started: SagaRecord = { type: 'SagaStarted', data: { sagaType: 'trip', input: { to: 'lisbon' }, at: 1 } };
const advanced = {
  type: 'SagaAdvanced',
  data: {
    trigger: { type: 'SagaStarted', data: null, at: 1 },
    state: { booked: false },
    issued: [{ step: 1, command: { type: 'BookFlight', to: 'lisbon' }, deadline: 30_001 }],
    timers: [{ name: 'reminder', dueAt: 60_001 }],
    cancelTimers: [],
    waits: [{ key: 'payment:1', registeredAt: 1, dueAt: 90_001, where: { amount: { gte: 10 } } }],
    compensations: [{ type: 'CancelHotel', booking: 'h-1' }],
    complete: false,
  },
};

async function rejection(promise: Promise<unknown>): Promise<ValidationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

describe('saga records read back from the event store', () => {
  it('folds well-formed records, commands and stored errors keeping their own fields', async () => {
    const store = new MemoryEventStore();
    const failed = { type: 'SagaStepAttemptFailed', data: { step: 1, attempt: 1, error: { code: 'EXCHANGE_BUSY', message: 'try later', details: { venue: 'x' } }, retryAt: 500, at: 400 } };
    await store.append('trip-t1', [started, advanced, failed]);
    const instance = await new SagaStreams(store, 'trip').load('t1');
    expect(instance).toMatchObject({ id: 't1', status: 'running', state: { booked: false }, version: 3 });
  });

  it('refuses a corrupted record with its stream, version and field named', async () => {
    const store = new MemoryEventStore();
    const corrupted = { ...advanced, data: { ...advanced.data, issued: [{ step: 1, command: { type: 'BookFlight' }, deadline: 'soon' }] } };
    await store.append('trip-t2', [started, corrupted]);
    const error = await rejection(new SagaStreams(store, 'trip').load('t2'));
    expect(error.message).toContain('trip-t2@2');
    expect(error.issues).toEqual([{ path: 'data.issued.0.deadline', message: 'must be epoch ms' }]);
  });

  it('refuses a record whose command has no type, and one missing a field the fold reads', async () => {
    const store = new MemoryEventStore();
    await store.append('trip-t3', [started, { ...advanced, data: { ...advanced.data, compensations: [{ booking: 'h-1' }] } }]);
    expect((await rejection(new SagaStreams(store, 'trip').load('t3'))).issues.map((i) => i.path)).toEqual(['data.compensations.0.type']);
    await store.append('trip-t4', [{ type: 'SagaCompensated', data: { at: 5 } }]);
    expect((await rejection(new SagaStreams(store, 'trip').load('t4'))).issues.map((i) => i.path)).toEqual(['data.index']);
  });
});

describe('the saga index read back', () => {
  it('refuses an index event without a saga id, naming it, rather than resuming a saga called undefined', async () => {
    const store = new MemoryEventStore();
    const index = new SagaIndex(store, 'trip', 1_000);
    await index.opened('a', 'trip');
    await store.append('trip.index', [{ type: 'SagaClosed', data: { status: 'completed' } }]);
    const error = await rejection(index.unfinished());
    expect(error.message).toContain('trip.index@2');
    expect(error.issues.map((i) => i.path)).toEqual(['data.sagaId']);
  });
});

describe('timer payloads from the scheduler', () => {
  it('accepts a wait registration as the runner wrote it and names a bad field of one it did not', () => {
    const payload = { sagaId: 's1', key: 'payment:1', registeredAt: 1, attempt: 0 };
    expect(parseTimerPayload(WaitPayloadSchema, payload, 'lucent.saga.trip.waitMatched')).toEqual(payload);
    expect(() => parseTimerPayload(WaitPayloadSchema, { ...payload, attempt: -1 }, 'lucent.saga.trip.waitMatched')).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', issues: [{ path: 'payload.attempt', message: 'must be a whole number' }] }),
    );
  });
});
