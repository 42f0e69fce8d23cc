// Running one saga command: its result as JSON, a thrown error as data, and a deadline that wins the race.
import { describe, expect, it } from 'vitest';
import { LucentError } from '@lucent/core';
import { commandRunner, type SetTimer } from './sagaCommandRun.js';
import type { SagaCommandMessage } from './sagaCommandMessage.js';

const message: SagaCommandMessage = {
  command: { type: 'BookFlight' },
  sagaId: 's1',
  sagaType: 'trip',
  kind: 'step',
  step: 1,
  idempotencyKey: 'saga:s1:step:1',
  attempt: 1,
  deadline: 10_000,
};

/** A timer that fires only when the spec says so. */
function manualTimer() {
  const armed: { at: number; fn: () => void; cancelled: boolean }[] = [];
  const setTimer: SetTimer = (at, fn) => {
    const t = { at, fn, cancelled: false };
    armed.push(t);
    return () => (t.cancelled = true);
  };
  return { setTimer, armed };
}

describe('commandRunner', () => {
  it('returns the result as its stored JSON form and cancels the deadline timer', async () => {
    const { setTimer, armed } = manualTimer();
    const seen: boolean[] = [];
    const run = commandRunner(async () => ({ at: new Date(0), skip: undefined }), setTimer, (_, ok) => seen.push(ok));
    expect(await run(message)).toEqual({ ok: true, result: { at: '1970-01-01T00:00:00.000Z' } });
    expect(await commandRunner(async () => undefined, setTimer)(message)).toEqual({ ok: true, result: null });
    expect(armed.map((t) => [t.at, t.cancelled])).toEqual([
      [10_000, true],
      [10_000, true],
    ]);
    expect(seen).toEqual([true]);
  });

  it('turns a thrown error into data that keeps its code', async () => {
    const seen: boolean[] = [];
    const run = commandRunner(async () => {
      throw new LucentError('UNAVAILABLE', 'bank is down');
    }, manualTimer().setTimer, (_, ok) => seen.push(ok));
    expect(await run(message)).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', message: 'bank is down' } });
    expect(seen).toEqual([false]);
  });

  it('fails with DEADLINE_EXCEEDED when the deadline passes before the command answers', async () => {
    const { setTimer, armed } = manualTimer();
    const run = commandRunner(() => new Promise(() => {}), setTimer);
    const outcome = run(message);
    armed[0]?.fn();
    expect(await outcome).toMatchObject({ ok: false, error: { code: 'DEADLINE_EXCEEDED' } });
  });
});
