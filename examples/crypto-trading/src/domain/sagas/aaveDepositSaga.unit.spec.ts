// The Aave deposit saga's decisions, step by step, with plain values: no runner, no clock, no I/O.
import { describe, expect, it } from 'vitest';
import { sagaScenario } from '@lucent/core/testing';
import { aaveDepositSaga, confirmationKey, type AaveDepositInput } from './aaveDepositSaga.js';

const input: AaveDepositInput = { account: 'acct-1', asset: 'USDC', amount: 2_500, confirmations: 3, timeoutMs: 600_000 };

describe('aave deposit saga (pure reducer)', () => {
  it('reserves, submits, waits for N confirmations from the submit time, records, and completes', () => {
    const s = sagaScenario(aaveDepositSaga, input, { at: 1_000 });
    expect(s.issued.map((i) => i.command)).toEqual([{ type: 'ReserveFunds', account: 'acct-1', asset: 'USDC', amount: 2_500 }]);

    s.succeed('ReserveFunds', { reservationId: 'res-9' }, 2_000);
    expect(s.issued[1]?.command).toEqual({ type: 'SubmitDeposit', account: 'acct-1', asset: 'USDC', amount: 2_500, reservationId: 'res-9' });

    s.succeed('SubmitDeposit', { txHash: '0xabc' }, 3_000);
    expect(s.instance.waits).toEqual([
      { key: confirmationKey('0xabc'), registeredAt: 3_000, dueAt: 603_000, where: { confirmations: { gte: 3 } } },
    ]);
    expect(s.issued).toHaveLength(2);

    s.matchWait(confirmationKey('0xabc'), { confirmations: 3 }, 60_000);
    expect(s.issued[2]?.command).toEqual({ type: 'RecordPosition', account: 'acct-1', asset: 'USDC', amount: 2_500, txHash: '0xabc' });
    s.succeed('RecordPosition', null);
    expect(s.instance.status).toBe('completed');
    expect(s.state.phase).toBe('done');
    // Steps are numbered by the machine, in issue order.
    expect(s.issued.map((i) => i.step)).toEqual([1, 2, 3]);
  });

  it('on the confirmation timeout fails and undoes in reverse order: cancel the order, then release the funds', () => {
    const s = sagaScenario(aaveDepositSaga, input)
      .succeed('ReserveFunds', { reservationId: 'res-1' })
      .succeed('SubmitDeposit', { txHash: '0xdead' })
      .timeOutWait(confirmationKey('0xdead'), 600_000);
    expect(s.instance.status).toBe('compensating');
    expect(s.state.reason).toMatch(/no 3 confirmations within 600000 ms/);
    expect(s.compensationsToRun()).toEqual([
      { type: 'CancelOrder', txHash: '0xdead' },
      { type: 'ReleaseFunds', reservationId: 'res-1' },
    ]);
  });

  it('a refused transaction undoes only the reservation; a failed reservation has nothing to undo', () => {
    const refused = sagaScenario(aaveDepositSaga, input)
      .succeed('ReserveFunds', { reservationId: 'res-2' })
      .fail('SubmitDeposit', { code: 'RULE_VIOLATED', message: 'insufficient gas' });
    expect(refused.instance.status).toBe('compensating');
    expect(refused.compensationsToRun()).toEqual([{ type: 'ReleaseFunds', reservationId: 'res-2' }]);

    const noFunds = sagaScenario(aaveDepositSaga, input).fail('ReserveFunds', { code: 'RULE_VIOLATED', message: 'balance too low' });
    expect(noFunds.instance.status).toBe('compensated');
    expect(noFunds.compensationsToRun()).toEqual([]);
  });
});
