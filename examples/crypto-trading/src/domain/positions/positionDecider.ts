// The position decider: pure rules for opening, funding, borrowing against, repaying and closing a position.
import { z } from 'zod';
import { RuleViolationError, decisionFunction, type Decider } from '@lucent/core';
import { withStateContract } from '../decisionState.js';
import { PositionCommand } from './positionCommands.js';
import { PositionEvent } from './positionEvents.js';

/** Borrowing may use at most this share of the collateral's value (loan-to-value). */
export const maxLoanToValue = 0.75;

export interface PositionState {
  readonly status: 'none' | 'open' | 'closed';
  readonly owner: string;
  readonly collateralUsd: number;
  readonly debtUsd: number;
}

/**
 * The states folding a position's events can give: the contract of the `state` a caller of
 * positions.decide sends with the command. Once opened, a position has the owner its events carry.
 */
const totals = { collateralUsd: z.number().nonnegative(), debtUsd: z.number().nonnegative() };
export const PositionStateContract = z.discriminatedUnion('status', [
  z.object({ status: z.literal('none'), owner: z.string().max(100), ...totals }),
  z.object({ status: z.enum(['open', 'closed']), owner: z.string().min(1).max(100), ...totals }),
]);

const initial: PositionState = { status: 'none', owner: '', collateralUsd: 0, debtUsd: 0 };

// Cents avoid float drift in the totals compared against limits.
const round = (usd: number): number => Math.round(usd * 100) / 100;

export const positionDecider: Decider<PositionCommand, PositionEvent, PositionState> = {
  initialState: () => initial,

  evolve(state, event) {
    switch (event.type) {
      case 'PositionOpened':
        return { ...state, status: 'open', owner: event.data.owner };
      case 'CollateralDeposited':
        return { ...state, collateralUsd: round(state.collateralUsd + event.data.amount * event.data.priceUsd) };
      case 'Borrowed':
        return { ...state, debtUsd: round(state.debtUsd + event.data.amountUsd) };
      case 'Repaid':
        return { ...state, debtUsd: round(state.debtUsd - event.data.amountUsd) };
      case 'PositionClosed':
        return { ...state, status: 'closed' };
    }
  },

  decide(command, state, ctx) {
    if (command.type === 'OpenPosition') {
      if (state.status !== 'none') {
        throw new RuleViolationError('position.exists', `Position ${command.positionId} already exists`);
      }
      return [
        {
          type: 'PositionOpened',
          data: { positionId: command.positionId, owner: command.owner, pair: command.pair, openedAt: ctx.now() },
        },
      ];
    }
    if (state.status !== 'open') {
      throw new RuleViolationError(
        'position.notOpen',
        `Position ${command.positionId} is ${state.status === 'none' ? 'not opened yet' : 'closed'}`,
      );
    }
    const base = { positionId: command.positionId, owner: state.owner };
    switch (command.type) {
      case 'DepositCollateral':
        return [{ type: 'CollateralDeposited', data: { ...base, amount: command.amount, priceUsd: command.priceUsd } }];
      case 'Borrow': {
        const limit = round(state.collateralUsd * maxLoanToValue);
        if (round(state.debtUsd + command.amountUsd) > limit) {
          throw new RuleViolationError(
            'position.loanToValue',
            `Borrowing ${command.amountUsd} USD would exceed the limit of ${limit} USD (${maxLoanToValue * 100}% of collateral)`,
            { limitUsd: limit, debtUsd: state.debtUsd },
          );
        }
        return [{ type: 'Borrowed', data: { ...base, amountUsd: command.amountUsd } }];
      }
      case 'Repay':
        if (command.amountUsd > state.debtUsd) {
          throw new RuleViolationError('position.overRepay', `Repaying ${command.amountUsd} USD is more than the debt of ${state.debtUsd} USD`);
        }
        return [{ type: 'Repaid', data: { ...base, amountUsd: command.amountUsd } }];
      case 'ClosePosition':
        if (state.debtUsd > 0) {
          throw new RuleViolationError('position.hasDebt', `Repay the debt of ${state.debtUsd} USD before closing`);
        }
        return [{ type: 'PositionClosed', data: { ...base, closedAt: ctx.now() } }];
    }
  },
};

/**
 * decide as a routable function: the FunctionManager validates the command and each event against
 * their contracts, and the decide step the state against PositionStateContract.
 */
export const decidePosition = decisionFunction(
  {
    name: 'positions.decide',
    version: '1.1.0',
    description: 'Decide the events of a lending position command',
    command: PositionCommand,
    event: PositionEvent,
    tags: ['positions', 'decider'],
  },
  withStateContract('positions.decide', PositionStateContract, positionDecider),
);
