// HTTP for lending positions: commands write events, the portfolio is read from the projection; owners come from the verified caller.
import { randomUUID } from 'node:crypto';
import { Body, Controller, Headers, Inject, Module, NotFoundException, Param, type DynamicModule } from '@nestjs/common';
import { ValidationError } from '@lucent/core';
import { actingFor, assertMayAccess, LucentCall, LucentRoute, type CallContext } from '@lucent/nestjs';
import type { CommandOptions, CommandResult } from '@lucent/runtime';
import { z } from 'zod';
import { PositionCommand } from '../domain/positions/positionCommands.js';
import type { PortfolioView } from '../domain/positions/portfolioProjection.js';
import type { PositionEvent } from '../domain/positions/positionEvents.js';
import type { PortfolioManager } from '../managers/portfolioManager.js';
import { OptionalIdempotency, pathOf, resourceId } from './routeContracts.js';

export const PORTFOLIO_MANAGER = Symbol.for('lucent.example.PortfolioManager');

export interface CommandResponse {
  readonly positionId: string;
  readonly version: number;
  /** Global position of the last event: a client can wait for the portfolio to reach it. */
  readonly position: number;
  readonly events: readonly PositionEvent['type'][];
  readonly duplicate: boolean;
}

// Each body is its command's fields (the command contract's own schemas) without `type` and
// `positionId`, which the route fixes; strict, so an extra field is refused, never stored.
const [openCommand, depositCommand, borrowCommand] = PositionCommand.options;
const OpenBody = z.strictObject({ pair: openCommand.shape.pair, positionId: resourceId.optional(), owner: resourceId.optional() });
const DepositBody = z.strictObject({ amount: depositCommand.shape.amount, priceUsd: depositCommand.shape.priceUsd });
const AmountBody = z.strictObject({ amountUsd: borrowCommand.shape.amountUsd });
const PositionPath = pathOf('id');
const OwnerPath = pathOf('owner');

type Change = 'DepositCollateral' | 'Borrow' | 'Repay' | 'ClosePosition';

@Controller()
export class PositionsController {
  constructor(@Inject(PORTFOLIO_MANAGER) private readonly manager: PortfolioManager) {}

  /** Runs in the caller's scope: positions.decide sees their business context, the events carry the request's ids. */
  private async run(call: CallContext, c: PositionCommand, idempotencyKey: string | undefined): Promise<CommandResponse> {
    const options: CommandOptions = idempotencyKey ? { idempotencyKey } : {};
    const r: CommandResult<PositionEvent> = await this.manager.inScope(call).execute(c, options);
    return {
      positionId: c.positionId,
      version: r.nextVersion,
      position: r.lastGlobalPosition,
      events: r.events.map((e) => e.type),
      duplicate: r.duplicate,
    };
  }

  /** A change to an existing position: only its owner (or support) may make it. */
  private async change(call: CallContext, command: Extract<PositionCommand, { type: Change }>, key: string | undefined): Promise<CommandResponse> {
    assertMayAccess(call, await this.manager.ownerOf(command.positionId), `Position ${command.positionId}`);
    return this.run(call, command, key);
  }

  @LucentRoute('POST', 'positions', { summary: 'Open a lending position for the caller', headers: OptionalIdempotency, body: OpenBody, status: 201, refusals: { 422: 'RULE_VIOLATED: the position is already open' } })
  open(@LucentCall() call: CallContext, @Body() body: z.output<typeof OpenBody>, @Headers('idempotency-key') key?: string): Promise<CommandResponse> {
    const owner = actingFor(call, body.owner, 'owner');
    if (owner === undefined) throw new ValidationError('input', 'POST /positions body', [{ path: 'owner', message: 'is required' }]);
    const positionId = body.positionId ?? randomUUID();
    return this.run(call, { type: 'OpenPosition', positionId, owner, pair: body.pair }, key);
  }

  @LucentRoute('POST', 'positions/:id/deposit', { summary: 'Deposit collateral into the position', headers: OptionalIdempotency, params: PositionPath, body: DepositBody, refusals: { 422: 'RULE_VIOLATED: the position is not open' } })
  deposit(@LucentCall() call: CallContext, @Param('id') id: string, @Body() body: z.output<typeof DepositBody>, @Headers('idempotency-key') key?: string): Promise<CommandResponse> {
    return this.change(call, { type: 'DepositCollateral', positionId: id, amount: body.amount, priceUsd: body.priceUsd }, key);
  }

  @LucentRoute('POST', 'positions/:id/borrow', { summary: 'Borrow stablecoins against the collateral', headers: OptionalIdempotency, params: PositionPath, body: AmountBody, refusals: { 422: 'RULE_VIOLATED: not open, or the health factor would fall too low' } })
  borrow(@LucentCall() call: CallContext, @Param('id') id: string, @Body() body: z.output<typeof AmountBody>, @Headers('idempotency-key') key?: string): Promise<CommandResponse> {
    return this.change(call, { type: 'Borrow', positionId: id, amountUsd: body.amountUsd }, key);
  }

  @LucentRoute('POST', 'positions/:id/repay', { summary: 'Repay debt', headers: OptionalIdempotency, params: PositionPath, body: AmountBody, refusals: { 422: 'RULE_VIOLATED: not open, or more than the debt' } })
  repay(@LucentCall() call: CallContext, @Param('id') id: string, @Body() body: z.output<typeof AmountBody>, @Headers('idempotency-key') key?: string): Promise<CommandResponse> {
    return this.change(call, { type: 'Repay', positionId: id, amountUsd: body.amountUsd }, key);
  }

  @LucentRoute('POST', 'positions/:id/close', { summary: 'Close the position (no debt left)', headers: OptionalIdempotency, params: PositionPath, refusals: { 422: 'RULE_VIOLATED: not open, or debt left' } })
  close(@LucentCall() call: CallContext, @Param('id') id: string, @Headers('idempotency-key') key?: string): Promise<CommandResponse> {
    return this.change(call, { type: 'ClosePosition', positionId: id }, key);
  }

  @LucentRoute('GET', 'portfolios/:owner', { summary: "An owner's portfolio (the caller's own, or any for support)", params: OwnerPath, refusals: { 404: 'No portfolio for that owner' } })
  async portfolio(@LucentCall() call: CallContext, @Param('owner') owner: string): Promise<PortfolioView> {
    assertMayAccess(call, owner, `The portfolio of ${owner}`);
    const view = await this.manager.portfolio(owner);
    if (view === undefined) throw new NotFoundException(`No portfolio for ${owner}`);
    return view;
  }
}

/** Mount the positions endpoints on a PortfolioManager built by `createPortfolioManager`. */
@Module({})
export class PositionsModule {
  static forRoot(manager: PortfolioManager): DynamicModule {
    return {
      module: PositionsModule,
      controllers: [PositionsController],
      providers: [{ provide: PORTFOLIO_MANAGER, useValue: manager }],
    };
  }
}
