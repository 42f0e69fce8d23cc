// The SagaRunner on the in-memory store and scheduler with a virtual clock: steps, retries, deadlines, compensation, queries.
import { describe, expect, it } from 'vitest';
import { LucentError, defineSaga, type SagaReaction } from '@lucent/core';
import { SagaTestKit } from './sagaTestKit.js';

type TripCommand =
  | { type: 'BookFlight'; trip: string }
  | { type: 'BookHotel'; trip: string }
  | { type: 'ChargeCard'; trip: string }
  | { type: 'CancelFlight'; booking: string }
  | { type: 'CancelHotel'; booking: string };

interface TripState {
  readonly trip: string;
  readonly done: string[];
  readonly reason?: string;
}

/** Three steps, each recording its undo once it succeeded. */
const trip = defineSaga<{ trip: string }, TripState, TripCommand, { type: 'TripAmended'; data: { note: string } }>({
  type: 'trip',
  initialState: (input) => ({ trip: input.trip, done: [] }),
  steps: { retry: { maxAttempts: 4, baseDelayMs: 1_000, maxDelayMs: 8_000 } },
  stepPolicies: { BookHotel: { deadlineMs: 5_000, retry: { maxAttempts: 4, baseDelayMs: 1_000, maxDelayMs: 8_000 } } },
  compensation: { retry: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 1_000 } },
  react(state, event): SagaReaction<TripState, TripCommand> {
    switch (event.type) {
      case 'SagaStarted':
        return { state, commands: [{ type: 'BookFlight', trip: state.trip }] };
      case 'StepSucceeded': {
        const c = event.data.command;
        const done = { ...state, done: [...state.done, c.type] };
        const booking = (event.data.result as { booking: string } | null)?.booking ?? '';
        if (c.type === 'BookFlight') {
          return { state: done, commands: [{ type: 'BookHotel', trip: state.trip }], compensations: [{ type: 'CancelFlight', booking }] };
        }
        if (c.type === 'BookHotel') {
          return { state: done, commands: [{ type: 'ChargeCard', trip: state.trip }], compensations: [{ type: 'CancelHotel', booking }] };
        }
        return { state: done, complete: true };
      }
      case 'StepFailed':
        return { state: { ...state, reason: event.data.error.code }, fail: `${event.data.command.type}: ${event.data.error.message}` };
      case 'TripAmended':
        return { state: { ...state, done: [...state.done, `note:${event.data.note}`] } };
      default:
        return { state };
    }
  },
});

const booked = (m: { command: { type: string }; idempotencyKey: string }) => ({ booking: `${m.command.type}#${m.idempotencyKey}` });
const okHandlers = { BookFlight: booked, BookHotel: booked, ChargeCard: booked, CancelFlight: () => null, CancelHotel: () => null };

describe('SagaRunner', () => {
  it('runs three steps in order with idempotency keys derived from (saga id, step) and answers a query with state and history', async () => {
    const kit = new SagaTestKit({ sagas: [trip], handlers: okHandlers });
    const started = await kit.start('trip', { trip: 'lisbon' }, 't1');
    await kit.settle();
    expect(started).toEqual({ sagaId: 't1', created: true });
    expect(kit.executed.map((m) => [m.command.type, m.idempotencyKey])).toEqual([
      ['BookFlight', 'saga:t1:step:1'],
      ['BookHotel', 'saga:t1:step:2'],
      ['ChargeCard', 'saga:t1:step:3'],
    ]);
    const view = await kit.get('t1');
    expect(view.status).toBe('completed');
    expect(view.state).toEqual({ trip: 'lisbon', done: ['BookFlight', 'BookHotel', 'ChargeCard'] });
    expect(view.history.map((h) => h.type)).toEqual(['SagaStarted', 'SagaAdvanced', 'SagaAdvanced', 'SagaAdvanced', 'SagaAdvanced']);
    // Starting the same id again writes nothing.
    expect(await kit.start('trip', { trip: 'lisbon' }, 't1')).toEqual({ sagaId: 't1', created: false });
    expect((await kit.get('t1')).history).toHaveLength(5);
  });

  it('retries a transient failure with growing backoff on the clock, under the same key, then goes on', async () => {
    let hotelTries = 0;
    const kit = new SagaTestKit({
      sagas: [trip],
      random: () => 0.999,
      handlers: {
        ...okHandlers,
        BookHotel: (m) => {
          if (++hotelTries <= 2) throw new LucentError('UNAVAILABLE', 'hotel API down');
          return booked(m);
        },
      },
    });
    await kit.start('trip', { trip: 'oslo' }, 't2');
    await kit.settle();
    expect(kit.commandTypes()).toEqual(['BookFlight', 'BookHotel']);
    await kit.advance(998);
    expect(kit.commandTypes()).toEqual(['BookFlight', 'BookHotel']);
    await kit.advance(1); // first backoff: up to 1 s
    expect(kit.commandTypes()).toEqual(['BookFlight', 'BookHotel', 'BookHotel']);
    await kit.advance(1_998); // second backoff: up to 2 s
    expect(kit.commandTypes()).toEqual(['BookFlight', 'BookHotel', 'BookHotel', 'BookHotel', 'ChargeCard']);
    const hotel = kit.executed.filter((m) => m.command.type === 'BookHotel');
    expect(hotel.map((m) => [m.attempt, m.idempotencyKey])).toEqual([
      [1, 'saga:t2:step:2'],
      [2, 'saga:t2:step:2'],
      [3, 'saga:t2:step:2'],
    ]);
    const view = await kit.get('t2');
    expect(view.status).toBe('completed');
    expect(view.history.filter((h) => h.type === 'SagaStepAttemptFailed')).toHaveLength(2);
  });

  it('on a refused step runs the recorded compensations newest first, each exactly once', async () => {
    const kit = new SagaTestKit({
      sagas: [trip],
      handlers: {
        ...okHandlers,
        ChargeCard: () => {
          throw new LucentError('RULE_VIOLATED', 'card declined');
        },
      },
    });
    await kit.start('trip', { trip: 'rome' }, 't3');
    await kit.advance(60_000);
    expect(kit.commandTypes()).toEqual(['BookFlight', 'BookHotel', 'ChargeCard', 'CancelHotel', 'CancelFlight']);
    expect(kit.executed.slice(3).map((m) => [m.idempotencyKey, m.command])).toEqual([
      ['saga:t3:undo:1', { type: 'CancelHotel', booking: 'BookHotel#saga:t3:step:2' }],
      ['saga:t3:undo:0', { type: 'CancelFlight', booking: 'BookFlight#saga:t3:step:1' }],
    ]);
    const view = await kit.get('t3');
    expect(view.status).toBe('compensated');
    expect(view.failure).toBe('ChargeCard: card declined');
    expect(view.compensations.done).toBe(2);
  });

  it('gives up a hanging step at its deadline (virtual time) and compensates', async () => {
    const kit = new SagaTestKit({ sagas: [trip], handlers: { ...okHandlers, BookHotel: () => new Promise(() => undefined) } });
    void kit.start('trip', { trip: 'nice' }, 't4');
    await kit.settle();
    expect((await kit.get('t4')).status).toBe('running');
    await kit.advance(5_000);
    expect(kit.commandTypes()).toEqual(['BookFlight', 'BookHotel', 'CancelFlight']);
    const view = await kit.get('t4');
    expect(view.status).toBe('compensated');
    expect(view.state).toMatchObject({ reason: 'DEADLINE_EXCEEDED' });
  });

  it('ends in the terminal failed state when a compensation keeps failing, after its retries', async () => {
    const kit = new SagaTestKit({
      sagas: [trip],
      handlers: {
        ...okHandlers,
        BookHotel: () => {
          throw new LucentError('RULE_VIOLATED', 'no rooms');
        },
        CancelFlight: () => {
          throw new LucentError('UNAVAILABLE', 'airline down');
        },
      },
    });
    await kit.start('trip', { trip: 'bern' }, 't5');
    await kit.advance(60_000);
    expect(kit.commandTypes()).toEqual(['BookFlight', 'BookHotel', 'CancelFlight', 'CancelFlight', 'CancelFlight']);
    const view = await kit.get('t5');
    expect(view.status).toBe('failed');
    expect(view.failure).toMatch(/compensation 0 gave up/);
    expect(view.history.at(-1)?.type).toBe('SagaCompensationGaveUp');
  });

  it('refuses an unknown saga type and a bad id with typed errors, storing nothing', async () => {
    const kit = new SagaTestKit({ sagas: [trip], handlers: okHandlers });
    await expect(kit.start('no-such-saga', {}, 'x1')).rejects.toMatchObject({ code: 'SAGA_TYPE_UNKNOWN' });
    await expect(kit.start('trip', { trip: 'a' }, 'bad id with spaces')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await kit.events.readAll()).toEqual([]);
    await expect(kit.get('x1')).rejects.toMatchObject({ code: 'SAGA_NOT_FOUND' });
  });

  it('after a crash between running a step and recording it, a restarted runner resumes and the step takes effect once', async () => {
    // An outside service that dedupes by key: a repeat returns the first answer and applies nothing.
    const applied: string[] = [];
    const answers = new Map<string, unknown>();
    const once = (m: { command: { type: string }; idempotencyKey: string }) => {
      if (!answers.has(m.idempotencyKey)) {
        applied.push(m.idempotencyKey);
        answers.set(m.idempotencyKey, booked(m));
      }
      return answers.get(m.idempotencyKey);
    };
    let crashes = 0;
    const kit = new SagaTestKit({
      sagas: [trip],
      handlers: { BookFlight: once, BookHotel: once, ChargeCard: once },
      crashAfter: (m) => m.command.type === 'BookHotel' && crashes++ === 0,
    });
    expect(await kit.start('trip', { trip: 'kyiv' }, 't8')).toBeUndefined();
    expect(kit.crashed).toBe(true);
    expect((await kit.get('t8')).status).toBe('running');
    expect(await kit.restart()).toBe(1);
    const view = await kit.get('t8');
    expect(view.status).toBe('completed');
    // BookHotel was delivered twice under one key; a handler that dedupes by key applies it once.
    expect(kit.commandTypes()).toEqual(['BookFlight', 'BookHotel', 'BookHotel', 'ChargeCard']);
    expect(new Set(kit.executed.filter((m) => m.command.type === 'BookHotel').map((m) => m.idempotencyKey))).toEqual(new Set(['saga:t8:step:2']));
    expect(applied).toEqual(['saga:t8:step:1', 'saga:t8:step:2', 'saga:t8:step:3']);
  });

  it('resume reads the index back only to its latest snapshot of unfinished sagas, and snapshots once enough was read', async () => {
    const kit = new SagaTestKit({ sagas: [trip, reminder], handlers: { ...okHandlers, SendNudge: () => null }, indexSnapshotEvery: 4 });
    const index = async () => (await kit.events.readStream('saga.index')).map((e) => [e.type, e.data]);
    for (const who of ['a', 'b', 'c']) await kit.start('reminder', { who }, `r-${who}`);
    await kit.start('trip', { trip: 'x' }, 't-done');
    // Three open, one opened and closed: 5 index events, over the threshold of 4.
    expect(await kit.restart()).toBe(3);
    const afterFirst = await index();
    expect(afterFirst).toHaveLength(6);
    expect(afterFirst.at(-1)).toEqual(['SagaIndexSnapshot', { open: ['r-c', 'r-b', 'r-a'] }]);

    // Two events since the snapshot (one closed, one opened): folded onto it, no new snapshot.
    expect(await kit.deliver('r-b', { type: 'Answered', data: {} })).toBe(true);
    await kit.start('reminder', { who: 'd' }, 'r-d');
    expect(await kit.restart()).toBe(3);
    expect(await index()).toHaveLength(8);
    expect((await kit.get('r-a')).status).toBe('running');

    // The snapshot is trusted as the whole past: one that lists only r-a hides r-c and r-d from resume.
    await kit.events.append('saga.index', [{ type: 'SagaIndexSnapshot', data: { open: ['r-a'] } }]);
    const resumed: string[] = [];
    const spy = kit.events.readStream.bind(kit.events);
    kit.events.readStream = async (stream, options) => {
      const events = await spy(stream, options);
      if (stream.startsWith('saga-')) resumed.push(stream.slice('saga-'.length));
      return events;
    };
    expect(await kit.restart()).toBe(1);
    expect(resumed).toEqual(['r-a']);
  });

  it('fires a timer at its virtual time, and a delivered domain event cancels it; lifecycle names are refused', async () => {
    const kit = new SagaTestKit({ sagas: [reminder], handlers: { SendNudge: () => null } });
    await kit.start('reminder', { who: 'ana' }, 'r1');
    await kit.start('reminder', { who: 'bo' }, 'r2');
    await kit.advance(59_999);
    expect(kit.commandTypes()).toEqual([]);
    expect(await kit.deliver('r2', { type: 'Answered', data: {} })).toBe(true);
    await expect(kit.runner.deliver('r1', { type: 'StepSucceeded', data: {} })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await kit.advance(1);
    expect(kit.executed.map((m) => [m.sagaId, m.command])).toEqual([['r1', { type: 'SendNudge', who: 'ana' }]]);
    expect((await kit.get('r1')).status).toBe('completed');
    expect((await kit.get('r2')).status).toBe('completed');
    expect((await kit.get('r2')).timers).toEqual([]);
  });

  it('drops the armed wait of a saga finished by a domain event, even one whose data has a key field', async () => {
    const kit = new SagaTestKit({ sagas: [awaitingTx] });
    await kit.start('awaiting-tx', {}, 'w1');
    expect(await kit.timers.list({ state: 'pending', limit: 10 })).toHaveLength(1);
    expect(await kit.deliver('w1', { type: 'Withdrawn', data: { key: 'tx:w1' } })).toBe(true);
    expect((await kit.get('w1')).status).toBe('completed');
    expect(await kit.timers.list({ state: 'pending', limit: 10 })).toEqual([]);
  });
});

const awaitingTx = defineSaga<object, object, { type: 'Never' }, { type: 'Withdrawn'; data: { key: string } }>({
  type: 'awaiting-tx',
  initialState: () => ({}),
  react: (state, event) =>
    event.type === 'SagaStarted' ? { state, waits: [{ key: 'tx:w1', timeoutMs: 60_000 }] } : event.type === 'Withdrawn' ? { state, complete: true } : { state },
});

const reminder = defineSaga<{ who: string }, { who: string }, { type: 'SendNudge'; who: string }, { type: 'Answered'; data: object }>({
  type: 'reminder',
  initialState: (input) => input,
  react(state, event) {
    switch (event.type) {
      case 'SagaStarted':
        return { state, timers: [{ name: 'nudge', afterMs: 60_000 }] };
      case 'TimerFired':
        return { state, commands: [{ type: 'SendNudge', who: state.who }] };
      case 'StepSucceeded':
        return { state, complete: true };
      case 'Answered':
        return { state, cancelTimers: ['nudge'], complete: true };
      default:
        return { state };
    }
  },
});
