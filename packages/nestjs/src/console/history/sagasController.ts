// GET /console/api/sagas and /console/api/sagas/:id: counts by state, a filtered list, one saga's timeline.
import { Controller, Get, Inject, Param, Query, UseFilters, UseGuards } from '@nestjs/common';
import { SagaNotFoundError, type SagaStatus } from '@lucent/core';
import { SagaCatalog, type SagaDetail, type SagaSummary } from '@lucent/runtime';
import { LucentExceptionFilter } from '../../errors/lucentExceptionFilter.js';
import { ContractPipe } from '../../pipes/contractPipe.js';
import { CONSOLE_HISTORY_SOURCES, type ConsoleHistorySources } from './consoleHistorySources.js';
import { ConsoleHistoryGuard } from './historyGuard.js';
import { sagaListQuery, type SagaListQuery } from './historyRequests.js';

const iso = (ms: number): string => new Date(ms).toISOString();

export interface SagaRow {
  readonly id: string;
  readonly type: string;
  readonly state: SagaStatus;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly step: string | null;
  readonly failure: string | null;
  readonly runner: string;
}

function row(s: SagaSummary): SagaRow {
  return { id: s.id, type: s.type, state: s.status, startedAt: iso(s.startedAt), updatedAt: iso(s.updatedAt), step: s.step, failure: s.failure ?? null, runner: s.runner };
}

export interface SagaTimelineAnswer extends SagaRow {
  readonly timeline: { at: string; kind: string; name: string; durationMs: number | null; detail: unknown }[];
}

export function sagaAnswer(detail: SagaDetail): SagaTimelineAnswer {
  return { ...row(detail), timeline: detail.timeline.map((e) => ({ ...e, at: iso(e.at) })) };
}

@Controller('console/api/sagas')
@UseGuards(ConsoleHistoryGuard)
@UseFilters(LucentExceptionFilter)
export class ConsoleSagasController {
  private readonly catalog: SagaCatalog;

  constructor(@Inject(CONSOLE_HISTORY_SOURCES) sources: ConsoleHistorySources) {
    this.catalog = new SagaCatalog(sources.events, sources.sagaRunners ?? ['saga']);
  }

  @Get()
  async list(@Query(ContractPipe(sagaListQuery, { subject: 'saga list query' })) query: SagaListQuery): Promise<{ counts: Record<string, number>; sagas: SagaRow[] }> {
    const { counts, sagas } = await this.catalog.list({
      ...(query.state !== undefined && { status: query.state as SagaStatus }),
      ...(query.type !== undefined && { type: query.type }),
      ...(query.limit !== undefined && { limit: query.limit }),
    });
    return { counts, sagas: sagas.map(row) };
  }

  @Get(':id')
  async show(@Param('id') id: string): Promise<SagaTimelineAnswer> {
    const detail = await this.catalog.show(id);
    if (detail === undefined) throw new SagaNotFoundError(id);
    return sagaAnswer(detail);
  }
}
