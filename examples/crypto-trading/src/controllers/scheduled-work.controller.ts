// HTTP reads of the scheduled work: a position's liquidation alerts and the yield projections of the last cron run.
import { Controller, Get, Inject, Module, NotFoundException, Param, type DynamicModule } from '@nestjs/common';
import type { LiquidationAlertStatus, ScheduledWork } from '../managers/liquidation-alerts.js';
import type { YieldProjection, YieldProjectionRun } from '../managers/yield-projection-job.js';

export const SCHEDULED_WORK = Symbol.for('lucent.example.ScheduledWork');

@Controller()
export class ScheduledWorkController {
  constructor(@Inject(SCHEDULED_WORK) private readonly work: ScheduledWork) {}

  @Get('positions/:id/alerts')
  async alerts(@Param('id') id: string): Promise<LiquidationAlertStatus> {
    const status = await this.work.alerts.status(id);
    if (status === undefined) throw new NotFoundException(`No position ${id}`);
    return status;
  }

  /** Every open position's projections from the last run (404 before the first run). */
  @Get('yield-projections')
  async projections(): Promise<YieldProjectionRun> {
    const run = await this.work.yieldJob.lastRun();
    if (run === undefined) throw new NotFoundException('The yield projection job has not run yet');
    return run;
  }

  @Get('yield-projections/:positionId')
  async projection(@Param('positionId') positionId: string): Promise<YieldProjection & { readonly asOf: number }> {
    const found = (await this.work.yieldJob.lastRun())?.projections.find((p) => p.positionId === positionId);
    if (found === undefined) throw new NotFoundException(`No yield projection for position ${positionId} in the last run`);
    return found;
  }
}

/** Mount the scheduled work's read endpoints. */
@Module({})
export class ScheduledWorkModule {
  static forRoot(work: ScheduledWork): DynamicModule {
    return { module: ScheduledWorkModule, controllers: [ScheduledWorkController], providers: [{ provide: SCHEDULED_WORK, useValue: work }] };
  }
}
