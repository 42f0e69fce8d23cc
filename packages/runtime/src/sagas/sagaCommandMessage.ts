// What a saga step or compensation hands its command handler, and how commands reach handlers (the CommandBus).
import { LucentError, type SagaCommand, type SerializedError } from '@lucent/core';
import type { CommandBus } from '../cqrs/commandBus.js';

/**
 * The message a handler receives for a saga command. `idempotencyKey` is derived from the
 * saga id and the step (or compensation index): the same on every retry and after every
 * restart, so a handler that passes it on (an event-store append, an exchange's client order
 * id) applies the command once however many times it is delivered.
 */
export interface SagaCommandMessage<C extends SagaCommand = SagaCommand> {
  readonly command: C;
  readonly sagaId: string;
  readonly sagaType: string;
  readonly kind: 'step' | 'compensation';
  /** Step number, or the compensation's index in record order. */
  readonly step: number;
  readonly idempotencyKey: string;
  /** 1 for the first try. */
  readonly attempt: number;
  /** Epoch ms after which the saga stops waiting for this try. */
  readonly deadline: number;
  /** While tracing is on, the attempt's span: a handler passes it to the calls and commands it makes. */
  readonly traceparent?: string;
}

/** Runs one saga command; resolves to a small JSON result the saga records, rejects with a (preferably typed) error. */
export type SagaCommandExecutor = (message: SagaCommandMessage) => Promise<unknown>;

/** Saga commands dispatched on a CommandBus by their `type`; each handler receives the SagaCommandMessage. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function commandBusExecutor(bus: CommandBus<any>): SagaCommandExecutor {
  return (message) => bus.execute(message.command.type, message);
}

/** The stored form of whatever a command threw. */
export function sagaErrorOf(error: unknown): SerializedError {
  if (error instanceof LucentError) return error.toJSON();
  return { code: 'FUNCTION_FAILED', message: error instanceof Error ? error.message : String(error) };
}
