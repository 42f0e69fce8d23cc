// GET /console/api/events, /console/api/streams/:streamId and /console/api/projections: the log by position and by stream, checkpoints and lag.
import { Controller, Get, Inject, Param, Query, UseFilters, UseGuards } from '@nestjs/common';
import { readableHead, type StoredEvent } from '@lucent/runtime';
import { LucentExceptionFilter } from '../../errors/lucentExceptionFilter.js';
import { ContractPipe } from '../../pipes/contractPipe.js';
import { CONSOLE_HISTORY_SOURCES, type ConsoleHistorySources } from './consoleHistorySources.js';
import { ConsoleHistoryGuard } from './historyGuard.js';
import { eventsQuery, streamQuery, type EventsQuery, type StreamQuery } from './historyRequests.js';
import { unavailable } from './unavailable.js';

export interface EventRow {
  readonly position: number;
  readonly streamId: string;
  readonly version: number;
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Record<string, unknown>;
  readonly at: string;
}

export interface ProjectionRow {
  readonly name: string;
  readonly generation: number;
  /** Global position of the last event folded into the views queries read. */
  readonly checkpoint: number;
  /** Global position of the newest readable event. */
  readonly head: number;
  /** Positions behind the head (an upper bound on events: positions may have gaps). */
  readonly lag: number;
}

const defaultLimit = 100;

function eventRow(e: StoredEvent): EventRow {
  return { position: e.globalPosition, streamId: e.stream, version: e.streamVersion, id: e.id, type: e.type, data: e.data, metadata: { ...e.metadata }, at: new Date(e.timestamp).toISOString() };
}

@Controller('console/api')
@UseGuards(ConsoleHistoryGuard)
@UseFilters(LucentExceptionFilter)
export class ConsoleEventsController {
  constructor(@Inject(CONSOLE_HISTORY_SOURCES) private readonly sources: ConsoleHistorySources) {}

  /** Events in global order from position `from` (inclusive). */
  @Get('events')
  async events(@Query(ContractPipe(eventsQuery, { subject: 'events query' })) query: EventsQuery): Promise<{ events: EventRow[] }> {
    const after = Math.max(0, (query.from ?? 1) - 1);
    const events = await this.sources.events.readAll({ after, maxCount: query.limit ?? defaultLimit });
    return { events: events.map(eventRow) };
  }

  /** One stream's events from version `from` (inclusive). */
  @Get('streams/:streamId')
  async stream(
    @Param('streamId') streamId: string,
    @Query(ContractPipe(streamQuery, { subject: 'stream query' })) query: StreamQuery,
  ): Promise<{ events: EventRow[] }> {
    const events = await this.sources.events.readStream(streamId, { fromVersion: Math.max(1, query.from ?? 1), maxCount: query.limit ?? defaultLimit });
    return { events: events.map(eventRow) };
  }

  @Get('projections')
  async projections(): Promise<{ projections: ProjectionRow[] }> {
    const { projections, events } = this.sources;
    if (projections === undefined) throw unavailable('projection store', 'projections');
    const checkpoints = await Promise.all(
      projections.names.map(async (name) => {
        const generation = await projections.store.activeGeneration(name);
        return { name, generation, checkpoint: await projections.store.checkpoint(name, generation) };
      }),
    );
    // One search for the head, from the furthest checkpoint: a position known to be readable.
    const head = await readableHead(events, Math.max(0, ...checkpoints.map((c) => c.checkpoint)));
    return { projections: checkpoints.map((c) => ({ ...c, head, lag: Math.max(0, head - c.checkpoint) })) };
  }
}
