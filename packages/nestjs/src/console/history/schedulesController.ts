// GET /console/api/schedules: cron jobs with next firing and last runs, armed timers by due time, external waits by deadline.
import { Controller, Get, Inject, UseFilters, UseGuards } from '@nestjs/common';
import { LucentExceptionFilter } from '../../errors/lucentExceptionFilter.js';
import { CONSOLE_HISTORY_SOURCES, type ConsoleHistorySources } from './consoleHistorySources.js';
import { ConsoleHistoryGuard } from './historyGuard.js';
import { readSchedules, type ScheduleOverview } from './scheduleReads.js';
import { unavailable } from './unavailable.js';

/** Rows of each list at most: the view is for reading, not for exporting a backlog. */
const listLimit = 500;

@Controller('console/api/schedules')
@UseGuards(ConsoleHistoryGuard)
@UseFilters(LucentExceptionFilter)
export class ConsoleSchedulesController {
  constructor(@Inject(CONSOLE_HISTORY_SOURCES) private readonly sources: ConsoleHistorySources) {}

  @Get()
  schedules(): Promise<ScheduleOverview> {
    const { timers, cronRuns } = this.sources;
    if (timers === undefined) throw unavailable('timer store', 'timers');
    return readSchedules(timers, { runs: cronRuns ?? 5, limit: listLimit });
  }
}
