// The operator console's history endpoints (sagas, schedules, events, projections, replay): controllers the console module mounts.
//
// The console module provides, beside these controllers:
//   { provide: CONSOLE_HISTORY_SOURCES, useValue: <its `history` option, a ConsoleHistorySources> }
//   { provide: CONSOLE_READ_GUARD, useExisting|useValue: <the console's read guard (token check, or allow-all with auth off)> }
// Every history route runs that guard (through ConsoleHistoryGuard); Nest fails at start when it is missing.
import { ConsoleEventsController } from './eventsController.js';
import { ConsoleReplayController } from './replayController.js';
import { ConsoleSagasController } from './sagasController.js';
import { ConsoleSchedulesController } from './schedulesController.js';

export * from './consoleHistorySources.js';
export { ConsoleHistoryGuard } from './historyGuard.js';
export type { SagaRow, SagaTimelineAnswer } from './sagasController.js';
export type { CronRow, CronRun, ScheduleOverview, TimerRow, WaitRow } from './scheduleReads.js';
export type { EventRow, ProjectionRow } from './eventsController.js';
export type { DivergedDecision, ReplayAnswer } from './replayController.js';

export const consoleHistoryControllers = [ConsoleSagasController, ConsoleSchedulesController, ConsoleEventsController, ConsoleReplayController];
