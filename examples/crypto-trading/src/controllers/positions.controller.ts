// HTTP for lending positions: commands write events, the portfolio is read from the projection.
import { randomUUID } from 'node:crypto';
import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  Module,
  NotFoundException,
  Param,
  Post,
  type DynamicModule,
} from '@nestjs/common';
import type { CommandOptions, CommandResult } from '@lucent/runtime';
import type { PositionCommand } from '../domain/positions/positionCommands.js';
import type { PortfolioView } from '../domain/positions/portfolioProjection.js';
import type { PositionEvent } from '../domain/positions/positionEvents.js';
import type { PortfolioManager } from '../managers/portfolio-manager.js';

export const PORTFOLIO_MANAGER = Symbol.for('lucent.example.PortfolioManager');

export interface CommandResponse {
  readonly positionId: string;
  readonly version: number;
  /** Global position of the last event: a client can wait for the portfolio to reach it. */
  readonly position: number;
  readonly events: readonly PositionEvent['type'][];
  readonly duplicate: boolean;
}

type Body_ = Record<string, unknown> | undefined;

// The body supplies the fields; the route fixes the command type and the id, so a body cannot change them.
const command = (type: PositionCommand['type'], positionId: string, body: Body_): PositionCommand =>
  ({ ...(typeof body === 'object' && body !== null ? body : {}), type, positionId }) as PositionCommand;

@Controller()
export class PositionsController {
  constructor(@Inject(PORTFOLIO_MANAGER) private readonly manager: PortfolioManager) {}

  private async run(c: PositionCommand, idempotencyKey: string | undefined): Promise<CommandResponse> {
    const options: CommandOptions = idempotencyKey ? { idempotencyKey } : {};
    const r: CommandResult<PositionEvent> = await this.manager.execute(c, options);
    return {
      positionId: c.positionId,
      version: r.nextVersion,
      position: r.lastGlobalPosition,
      events: r.events.map((e) => e.type),
      duplicate: r.duplicate,
    };
  }

  @Post('positions')
  @HttpCode(201)
  open(@Body() body: Body_, @Headers('idempotency-key') key?: string): Promise<CommandResponse> {
    const id = typeof body?.['positionId'] === 'string' ? body['positionId'] : randomUUID();
    return this.run(command('OpenPosition', id, body), key);
  }

  @Post('positions/:id/deposit')
  @HttpCode(200)
  deposit(@Param('id') id: string, @Body() body: Body_, @Headers('idempotency-key') key?: string): Promise<CommandResponse> {
    return this.run(command('DepositCollateral', id, body), key);
  }

  @Post('positions/:id/borrow')
  @HttpCode(200)
  borrow(@Param('id') id: string, @Body() body: Body_, @Headers('idempotency-key') key?: string): Promise<CommandResponse> {
    return this.run(command('Borrow', id, body), key);
  }

  @Post('positions/:id/repay')
  @HttpCode(200)
  repay(@Param('id') id: string, @Body() body: Body_, @Headers('idempotency-key') key?: string): Promise<CommandResponse> {
    return this.run(command('Repay', id, body), key);
  }

  @Post('positions/:id/close')
  @HttpCode(200)
  close(@Param('id') id: string, @Headers('idempotency-key') key?: string): Promise<CommandResponse> {
    return this.run(command('ClosePosition', id, undefined), key);
  }

  @Get('portfolios/:owner')
  async portfolio(@Param('owner') owner: string): Promise<PortfolioView> {
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
