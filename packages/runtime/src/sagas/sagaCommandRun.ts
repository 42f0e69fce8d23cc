// Runs one saga command (a step or a compensation) against its deadline and reports the outcome as data; never throws.
import { LucentError, type SerializedError } from '@lucent/core';
import { sagaErrorOf, type SagaCommandExecutor, type SagaCommandMessage } from './sagaCommandMessage.js';

export type CommandOutcome = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: SerializedError };

/** Runs `fn` at clock time `at` and returns a cancel. */
export type SetTimer = (at: number, fn: () => void) => () => void;

/** setTimeout at a clock time (clamped to what setTimeout takes). */
export function realTimer(clock: () => number): SetTimer {
  return (at, fn) => {
    const t = setTimeout(fn, Math.max(0, Math.min(at - clock(), 2 ** 31 - 1)));
    return () => clearTimeout(t);
  };
}

/**
 * A function that runs a command through `execute`, failing it with DEADLINE_EXCEEDED when
 * `message.deadline` passes first. A result is stored as JSON (undefined as null): what the
 * reducer sees now is what a reader of the stream sees later. `afterExecute` is told each outcome
 * before anything is recorded.
 */
export function commandRunner(
  execute: SagaCommandExecutor,
  setTimer: SetTimer,
  afterExecute?: (message: SagaCommandMessage, ok: boolean) => void,
): (message: SagaCommandMessage) => Promise<CommandOutcome> {
  return async (message) => {
    let cancel: (() => void) | undefined;
    let outcome: CommandOutcome;
    try {
      const result = await Promise.race([
        execute(message),
        new Promise<never>((_, reject) => {
          cancel = setTimer(message.deadline, () =>
            reject(new LucentError('DEADLINE_EXCEEDED', `${message.command.type} did not finish before its deadline`)),
          );
        }),
      ]);
      outcome = { ok: true, result: result === undefined ? null : (JSON.parse(JSON.stringify(result)) as unknown) };
    } catch (error) {
      outcome = { ok: false, error: sagaErrorOf(error) };
    } finally {
      cancel?.();
    }
    afterExecute?.(message, outcome.ok);
    return outcome;
  };
}
