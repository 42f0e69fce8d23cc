// Position rules as given/when/then specifications.
import { describe, expect, it } from 'vitest';
import { validate } from '@lucent/core';
import { deciderSpec } from '@lucent/core/testing';
import { FunctionManager } from '@lucent/runtime';
import { decidePosition, positionDecider } from './positionDecider.js';
import type { PositionEvent } from './positionEvents.js';

const now = 1_700_000_000_000;
const spec = deciderSpec(positionDecider, { now, seed: 'positions' });
const base = { positionId: 'p1', owner: 'alice' };
const opened: PositionEvent = { type: 'PositionOpened', data: { ...base, pair: 'ETH-USD', openedAt: now } };
const deposited: PositionEvent = { type: 'CollateralDeposited', data: { ...base, amount: 2, priceUsd: 3000 } };
const borrowed = (amountUsd: number): PositionEvent => ({ type: 'Borrowed', data: { ...base, amountUsd } });

describe('position decider', () => {
  it('opens a new position with the time from the context', () => {
    spec.given([]).when({ type: 'OpenPosition', positionId: 'p1', owner: 'alice', pair: 'ETH-USD' }).then([opened]);
  });

  it('refuses to open a position twice', () => {
    spec.given([opened]).when({ type: 'OpenPosition', positionId: 'p1', owner: 'bob', pair: 'ETH-USD' }).thenThrows('RULE_VIOLATED');
  });

  it('lends up to 75% of the collateral value and not a cent more', () => {
    spec.given([opened, deposited]).when({ type: 'Borrow', positionId: 'p1', amountUsd: 4500 }).then([borrowed(4500)]);
    const error = spec.given([opened, deposited, borrowed(4500)]).when({ type: 'Borrow', positionId: 'p1', amountUsd: 0.01 }).thenThrows('RULE_VIOLATED');
    expect(error.details).toMatchObject({ rule: 'position.loanToValue', limitUsd: 4500 });
  });

  it('repays at most the debt, and closes only without debt', () => {
    spec.given([opened, deposited, borrowed(100)]).when({ type: 'Repay', positionId: 'p1', amountUsd: 100.01 }).thenThrows('RULE_VIOLATED');
    spec.given([opened, deposited, borrowed(100)]).when({ type: 'ClosePosition', positionId: 'p1' }).thenThrows('RULE_VIOLATED');
    spec
      .given([opened, deposited, borrowed(100), { type: 'Repaid', data: { ...base, amountUsd: 100 } }])
      .when({ type: 'ClosePosition', positionId: 'p1' })
      .then([{ type: 'PositionClosed', data: { ...base, closedAt: now } }]);
  });

  it('accepts nothing on a position that is not open', () => {
    spec.given([]).when({ type: 'DepositCollateral', positionId: 'p1', amount: 1, priceUsd: 1 }).thenThrows('RULE_VIOLATED');
    spec
      .given([opened, { type: 'PositionClosed', data: { ...base, closedAt: now } }])
      .when({ type: 'Borrow', positionId: 'p1', amountUsd: 1 })
      .thenThrows('RULE_VIOLATED');
  });

  it('as a function, has a command contract that names the bad field', () => {
    const input = { command: { type: 'Borrow', positionId: 'p1', amountUsd: -5 }, state: positionDecider.initialState() };
    expect(() => validate(decidePosition.input, input, 'input', decidePosition.name)).toThrow(/command\.amountUsd/);
  });

  it('as a function, refuses a state that folding its events cannot give, naming the field', async () => {
    const manager = new FunctionManager({ clock: () => now }).register(decidePosition);
    const borrow = { type: 'Borrow', positionId: 'p1', amountUsd: 5 };
    const refusal = (state: unknown) => manager.invoke(decidePosition.name, { command: borrow, state }).catch((e: unknown) => e as { code: string; issues: { path: string }[] });
    expect(await refusal(null)).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: 'state' }] });
    expect(await refusal({ status: 'open', owner: '', collateralUsd: 100, debtUsd: 0 })).toMatchObject({ issues: [{ path: 'state.owner' }] });
    const { output } = await manager.invoke(decidePosition.name, { command: borrow, state: { status: 'open', owner: 'alice', collateralUsd: 100, debtUsd: 0 } });
    expect(output).toEqual([borrowed(5)]);
  });
});
