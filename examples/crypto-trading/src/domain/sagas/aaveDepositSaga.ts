// The Aave deposit saga as a pure reducer: reserve funds → submit the transaction → wait for N confirmations → record the position.
import { defineSaga, type SagaReaction } from '@lucent/core';
import { z } from 'zod';
import { positiveAssetAmount } from '../bounds.js';

/** How long the saga waits for its confirmations before it undoes everything. */
export const defaultConfirmationTimeoutMs = 10 * 60_000;

export const AaveDepositInput = z.object({
  account: z.string().min(1).max(100),
  asset: z.string().regex(/^[A-Z0-9]{2,10}$/, 'an asset symbol like USDC'),
  amount: positiveAssetAmount,
  /** Confirmations the deposit transaction needs before the position counts. */
  confirmations: z.number().int().min(1).max(100).default(12),
  timeoutMs: z.number().int().positive().max(24 * 3_600_000).default(defaultConfirmationTimeoutMs),
});
export type AaveDepositInput = z.infer<typeof AaveDepositInput>;

export type AaveDepositCommand =
  | { readonly type: 'ReserveFunds'; readonly account: string; readonly asset: string; readonly amount: number }
  | { readonly type: 'SubmitDeposit'; readonly account: string; readonly asset: string; readonly amount: number; readonly reservationId: string }
  | { readonly type: 'RecordPosition'; readonly account: string; readonly asset: string; readonly amount: number; readonly txHash: string }
  | { readonly type: 'ReleaseFunds'; readonly reservationId: string }
  | { readonly type: 'CancelOrder'; readonly txHash: string };

export interface AaveDepositState {
  readonly phase: 'reserving' | 'submitting' | 'confirming' | 'recording' | 'done' | 'failed';
  readonly input: AaveDepositInput;
  readonly reservationId?: string;
  readonly txHash?: string;
  readonly confirmations?: number;
  readonly reason?: string;
}

/** The key confirmations of a transaction are delivered under. */
export const confirmationKey = (txHash: string): string => `aave.confirmations:${txHash}`;

type Reaction = SagaReaction<AaveDepositState, AaveDepositCommand>;

function failed(state: AaveDepositState, reason: string): Reaction {
  return { state: { ...state, phase: 'failed', reason }, fail: reason };
}

export const aaveDepositSaga = defineSaga<AaveDepositInput, AaveDepositState, AaveDepositCommand>({
  type: 'aave.deposit',
  input: AaveDepositInput,
  initialState: (input) => ({ phase: 'reserving', input }),
  // Submitting to the chain may meet a congested node: more patience than the exchange calls.
  steps: { deadlineMs: 30_000 },
  stepPolicies: { SubmitDeposit: { deadlineMs: 120_000, retry: { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 10_000 } } },

  react(state, event): Reaction {
    const { account, asset, amount } = state.input;
    switch (event.type) {
      case 'SagaStarted':
        return { state, commands: [{ type: 'ReserveFunds', account, asset, amount }] };
      case 'StepSucceeded': {
        const command = event.data.command;
        if (command.type === 'ReserveFunds') {
          const { reservationId } = event.data.result as { reservationId: string };
          return {
            state: { ...state, phase: 'submitting', reservationId },
            compensations: [{ type: 'ReleaseFunds', reservationId }],
            commands: [{ type: 'SubmitDeposit', account, asset, amount, reservationId }],
          };
        }
        if (command.type === 'SubmitDeposit') {
          const { txHash } = event.data.result as { txHash: string };
          return {
            state: { ...state, phase: 'confirming', txHash },
            compensations: [{ type: 'CancelOrder', txHash }],
            waits: [
              { key: confirmationKey(txHash), timeoutMs: state.input.timeoutMs, where: { confirmations: { gte: state.input.confirmations } } },
            ],
          };
        }
        if (command.type === 'RecordPosition') return { state: { ...state, phase: 'done' }, complete: true };
        return { state };
      }
      case 'StepFailed':
        return failed(state, `${event.data.command.type} failed: ${event.data.error.code} ${event.data.error.message}`);
      case 'WaitMatched': {
        const confirmations = (event.data.payload as { confirmations: number }).confirmations;
        const txHash = state.txHash as string;
        return {
          state: { ...state, phase: 'recording', confirmations },
          commands: [{ type: 'RecordPosition', account, asset, amount, txHash }],
        };
      }
      case 'WaitTimedOut':
        return failed(state, `no ${state.input.confirmations} confirmations within ${state.input.timeoutMs} ms`);
      case 'TimerFired':
        return { state };
    }
  },
});
