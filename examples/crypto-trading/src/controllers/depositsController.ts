// HTTP for Aave deposits: start the saga once per idempotency key, read its state and history, and take the chain's confirmation callback.
import { Body, Controller, Headers, Inject, Module, Param, type DynamicModule } from '@nestjs/common';
import { ValidationError } from '@lucent/core';
import { actingFor, assertMayAccess, LucentCall, LucentRoute, type CallContext } from '@lucent/nestjs';
import type { SagaView } from '@lucent/runtime';
import { z } from 'zod';
import { AaveDepositInput, type AaveDepositState } from '../domain/sagas/aaveDepositSaga.js';
import { ChainConfirmation, type AaveDepositManager, type AaveDepositRecord } from '../managers/aaveDepositManager.js';
import { pathOf, RequiredIdempotency, roles } from './routeContracts.js';

export const AAVE_DEPOSIT_MANAGER = Symbol.for('lucent.example.AaveDepositManager');


/** A deposit request: the saga's input, strict; with auth on, `account` defaults to (and must be) the caller's. */
// Defaults stay unapplied here: the manager fills a missing timeout from the service's configuration.
const { account, confirmations, timeoutMs } = AaveDepositInput.shape;
const DepositBody = z.strictObject({
  ...AaveDepositInput.shape,
  account: account.optional(),
  confirmations: confirmations.unwrap().optional(),
  timeoutMs: timeoutMs.unwrap().optional(),
});
const ConfirmationBody = z.strictObject(ChainConfirmation.shape);

export interface DepositAccepted {
  readonly depositId: string;
  /** False when this idempotency key had already started the deposit. */
  readonly created: boolean;
  readonly status: SagaView['status'];
  readonly phase: AaveDepositState['phase'];
  /** The transaction to confirm, once submitted. */
  readonly txHash: string | null;
}

export interface ConfirmationReceipt {
  /** matched: it satisfied a waiting deposit; stored: no wait yet (kept for one to come); late: its wait had timed out. */
  readonly status: 'matched' | 'stored' | 'late';
  readonly duplicate: boolean;
}

const accountOf = (view: SagaView): string | undefined => (view.state as Partial<AaveDepositState> | undefined)?.input?.account;

@Controller()
export class DepositsController {
  constructor(@Inject(AAVE_DEPOSIT_MANAGER) private readonly deposits: AaveDepositManager) {}

  @LucentRoute('POST', 'deposits', {
    summary: 'Start an Aave deposit for the caller’s account (idempotency-key header required)',
    body: DepositBody,
    headers: RequiredIdempotency,
    status: 202,
    refusals: { 409: 'CONFLICT: the idempotency key was used for a different deposit' },
  })
  async start(@LucentCall() call: CallContext, @Body() body: z.output<typeof DepositBody>, @Headers('idempotency-key') key: string): Promise<DepositAccepted> {
    const account = actingFor(call, body.account, 'account', 'account');
    if (account === undefined) throw new ValidationError('input', 'POST /deposits body', [{ path: 'account', message: 'is required' }]);
    const started = await this.deposits.depositOnce(key, { ...body, account });
    const view = await this.deposits.status(started.sagaId);
    const state = view.state as AaveDepositState;
    return { depositId: started.sagaId, created: started.created, status: view.status, phase: state.phase, txHash: state.txHash ?? null };
  }

  /** The saga's state and full history (every decision it recorded). */
  @LucentRoute('GET', 'deposits/:id', { summary: 'A deposit’s state and history', params: pathOf('id'), refusals: { 404: 'SAGA_NOT_FOUND: no such deposit' } })
  async status(@LucentCall() call: CallContext, @Param('id') id: string): Promise<SagaView> {
    const view = await this.deposits.status(id);
    assertMayAccess(call, accountOf(view), `Deposit ${id}`, 'account');
    return view;
  }

  /** Positions recorded by the account's completed deposits. */
  @LucentRoute('GET', 'accounts/:account/aave-deposits', { summary: 'Positions recorded by an account’s completed deposits', params: pathOf('account') })
  recorded(@LucentCall() call: CallContext, @Param('account') account: string): Promise<AaveDepositRecord[]> {
    assertMayAccess(call, account, `The deposits of ${account}`, 'account');
    return this.deposits.recorded(account);
  }

  /** The chain boundary reports confirmations here; redeliveries of one count are harmless. */
  @LucentRoute('POST', 'callbacks/chain/confirmations', {
    summary: 'Confirmation count of a transaction, from the chain indexer (role chain)',
    body: ConfirmationBody,
    status: 202,
    roles: [roles.chain, roles.admin],
  })
  async confirmation(@Body() body: z.output<typeof ConfirmationBody>): Promise<ConfirmationReceipt> {
    const r = await this.deposits.confirmCallback(body);
    return { status: r.arrival.status, duplicate: r.duplicate };
  }
}

/** Mount the deposit endpoints on an AaveDepositManager built by `createAaveDepositManager`. */
@Module({})
export class DepositsModule {
  static forRoot(manager: AaveDepositManager): DynamicModule {
    return { module: DepositsModule, controllers: [DepositsController], providers: [{ provide: AAVE_DEPOSIT_MANAGER, useValue: manager }] };
  }
}
