// HTTP for Aave deposits: start the saga once per idempotency key, read its state and history, and take the chain's confirmation callback.
import { Body, Controller, Get, Headers, HttpCode, Inject, Module, Param, Post, type DynamicModule } from '@nestjs/common';
import { validate } from '@lucent/core';
import type { SagaView } from '@lucent/runtime';
import { z } from 'zod';
import type { AaveDepositState } from '../domain/sagas/aaveDepositSaga.js';
import type { AaveDepositManager, AaveDepositRecord, AaveDepositRequest } from '../managers/aave-deposit-manager.js';

export const AAVE_DEPOSIT_MANAGER = Symbol.for('lucent.example.AaveDepositManager');

/** The header a client repeats a deposit request with; a retry after a lost answer then starts nothing new. */
const IdempotencyHeader = z.object({ 'idempotency-key': z.string().min(1).max(200) });

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

@Controller()
export class DepositsController {
  constructor(@Inject(AAVE_DEPOSIT_MANAGER) private readonly deposits: AaveDepositManager) {}

  @Post('deposits')
  @HttpCode(202)
  async start(@Body() body: unknown, @Headers('idempotency-key') key?: string): Promise<DepositAccepted> {
    const header = await validate(IdempotencyHeader, { 'idempotency-key': key }, 'input', 'POST /deposits headers');
    const started = await this.deposits.depositOnce(header['idempotency-key'], body as AaveDepositRequest);
    const view = await this.deposits.status(started.sagaId);
    const state = view.state as AaveDepositState;
    return { depositId: started.sagaId, created: started.created, status: view.status, phase: state.phase, txHash: state.txHash ?? null };
  }

  /** The saga's state and full history (every decision it recorded). */
  @Get('deposits/:id')
  status(@Param('id') id: string): Promise<SagaView> {
    return this.deposits.status(id);
  }

  /** Positions recorded by the account's completed deposits. */
  @Get('accounts/:account/aave-deposits')
  recorded(@Param('account') account: string): Promise<AaveDepositRecord[]> {
    return this.deposits.recorded(account);
  }

  /** The chain boundary reports confirmations here; redeliveries of one count are harmless. */
  @Post('callbacks/chain/confirmations')
  @HttpCode(202)
  async confirmation(@Body() body: unknown): Promise<ConfirmationReceipt> {
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
