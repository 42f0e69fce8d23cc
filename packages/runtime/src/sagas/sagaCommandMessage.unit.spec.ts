// Saga commands reach the CommandBus handler named by their type with the whole message, and whatever a command throws is stored with a code.
import { describe, expect, it } from 'vitest';
import { LucentError } from '@lucent/core';
import { CommandBus } from '../cqrs/commandBus.js';
import { commandBusExecutor, sagaErrorOf, type SagaCommandMessage } from './sagaCommandMessage.js';

const message = (type: string): SagaCommandMessage<{ readonly type: string; readonly amount: number }> => ({
  command: { type, amount: 5 },
  sagaId: 'transfer-1',
  sagaType: 'transfer',
  kind: 'step',
  step: 2,
  idempotencyKey: 'transfer-1:step:2',
  attempt: 1,
  deadline: 10_000,
});

describe('commandBusExecutor', () => {
  it('runs the handler registered for the command’s type, handing it the message with its idempotency key', async () => {
    const bus = new CommandBus();
    const received: SagaCommandMessage[] = [];
    bus.register('debit', async (m) => {
      received.push(m as SagaCommandMessage);
      return { debited: 5 };
    });
    const execute = commandBusExecutor(bus);
    await expect(execute(message('debit'))).resolves.toEqual({ debited: 5 });
    expect(received).toEqual([message('debit')]);
  });

  it('rejects a command no handler is registered for with FUNCTION_NOT_FOUND naming it', async () => {
    const error = (await commandBusExecutor(new CommandBus())(message('credit')).catch((e: unknown) => e)) as LucentError;
    expect(error.code).toBe('FUNCTION_NOT_FOUND');
    expect(error.message).toContain('credit');
  });
});

describe('sagaErrorOf', () => {
  it('keeps a typed error’s code, message and details', () => {
    const refused = new LucentError('CONFLICT', 'account frozen', { account: 'a1' });
    expect(sagaErrorOf(refused)).toEqual({ code: 'CONFLICT', message: 'account frozen', details: { account: 'a1' } });
  });

  it('stores anything else as FUNCTION_FAILED with its message', () => {
    expect(sagaErrorOf(new Error('socket hang up'))).toEqual({ code: 'FUNCTION_FAILED', message: 'socket hang up' });
    expect(sagaErrorOf('gave up')).toEqual({ code: 'FUNCTION_FAILED', message: 'gave up' });
  });
});
