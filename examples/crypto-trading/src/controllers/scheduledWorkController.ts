// HTTP reads of the scheduled work: a position's liquidation alerts and the yield projections of the last cron run.
import { Controller, Inject, Module, NotFoundException, Param, type DynamicModule } from '@nestjs/common';
import { assertMayAccess, LucentCall, LucentRoute, type CallContext } from '@lucent/nestjs';
import type { LiquidationAlertStatus } from '../managers/liquidationAlerts.js';
import type { ScheduledWork } from '../managers/scheduledWork.js';
import type { PortfolioManager } from '../managers/portfolioManager.js';
import type { YieldProjection, YieldProjectionRun } from '../managers/yieldProjectionJob.js';
import { PORTFOLIO_MANAGER } from './positionsController.js';
import { pathOf, roles } from './routeContracts.js';

export const SCHEDULED_WORK = Symbol.for('lucent.example.ScheduledWork');

@Controller()
export class ScheduledWorkController {
  constructor(
    @Inject(SCHEDULED_WORK) private readonly work: ScheduledWork,
    @Inject(PORTFOLIO_MANAGER) private readonly positions: Pick<PortfolioManager, 'ownerOf'>,
  ) {}

  @LucentRoute('GET', 'positions/:id/alerts', { summary: 'A position’s liquidation-risk alerts', params: pathOf('id'), refusals: { 404: 'No such position' } })
  async alerts(@LucentCall() call: CallContext, @Param('id') id: string): Promise<LiquidationAlertStatus> {
    assertMayAccess(call, await this.positions.ownerOf(id), `Position ${id}`);
    const status = await this.work.alerts.status(id);
    if (status === undefined) throw new NotFoundException(`No position ${id}`);
    return status;
  }

  /** Every open position's projections from the last run (404 before the first run). */
  @LucentRoute('GET', 'yield-projections', {
    summary: 'Every open position’s yield projections from the last cron run (role operator)',
    roles: [roles.operator, roles.admin],
    refusals: { 404: 'The job has not run yet' },
  })
  async projections(): Promise<YieldProjectionRun> {
    const run = await this.work.yieldJob.lastRun();
    if (run === undefined) throw new NotFoundException('The yield projection job has not run yet');
    return run;
  }

  @LucentRoute('GET', 'yield-projections/:positionId', { summary: 'A position’s yield projection from the last run', params: pathOf('positionId'), refusals: { 404: 'No projection for the position' } })
  async projection(@LucentCall() call: CallContext, @Param('positionId') positionId: string): Promise<YieldProjection & { readonly asOf: number }> {
    assertMayAccess(call, await this.positions.ownerOf(positionId), `Position ${positionId}`);
    const found = (await this.work.yieldJob.lastRun())?.projections.find((p) => p.positionId === positionId);
    if (found === undefined) throw new NotFoundException(`No yield projection for position ${positionId} in the last run`);
    return found;
  }
}

/** Mount the scheduled work's read endpoints. */
@Module({})
export class ScheduledWorkModule {
  static forRoot(work: ScheduledWork, positions: Pick<PortfolioManager, 'ownerOf'>): DynamicModule {
    return {
      module: ScheduledWorkModule,
      controllers: [ScheduledWorkController],
      providers: [
        { provide: SCHEDULED_WORK, useValue: work },
        { provide: PORTFOLIO_MANAGER, useValue: positions },
      ],
    };
  }
}
