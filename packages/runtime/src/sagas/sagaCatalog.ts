// Read-only views of the sagas in an event store: counts by status, a filtered list, one saga's timeline (the console and `lucent sagas`).
import {
  finishedStatuses,
  foldSaga,
  nextCompensation,
  sagaTimeline,
  ValidationError,
  type SagaInstance,
  type SagaStatus,
  type SagaTimelineEntry,
} from '@lucent/core';
import type { EventStore } from '../eventStore/eventStore.js';
import { parseSagaIndexEvent } from './sagaRecordSchemas.js';
import { toRecords } from './sagaStreams.js';

export const sagaStatuses: readonly SagaStatus[] = ['running', 'compensating', ...finishedStatuses];

/** One saga in a list. Times are epoch ms. */
export interface SagaSummary {
  readonly id: string;
  readonly type: string;
  readonly status: SagaStatus;
  readonly startedAt: number;
  readonly updatedAt: number;
  /** What it is on: the oldest step in flight, the next compensation, or the wait it sleeps on; null when finished. */
  readonly step: string | null;
  readonly failure?: string;
  /** The runner (stream prefix) it belongs to. */
  readonly runner: string;
}

export interface SagaListQuery {
  readonly status?: SagaStatus;
  readonly type?: string;
  /** At most this many sagas, newest first (default 50). */
  readonly limit?: number;
}

export interface SagaList {
  /** Every saga the runners' indexes name, by status (each status present, 0 when none). */
  readonly counts: Record<SagaStatus, number>;
  readonly sagas: SagaSummary[];
}

export interface SagaDetail extends SagaSummary {
  readonly timeline: SagaTimelineEntry[];
}

/** Index events read per page. */
const page = 5_000;
/** Saga streams folded at once while counting. */
const concurrency = 16;

interface Indexed {
  readonly id: string;
  readonly type: string;
  readonly runner: string;
  /** Set once the index recorded the saga closed. */
  status?: SagaStatus;
}

function currentStep(instance: SagaInstance): string | null {
  if (instance.status === 'compensating') return nextCompensation(instance)?.command.type ?? null;
  if (instance.status !== 'running') return null;
  const step = [...instance.steps].sort((a, b) => a.step - b.step)[0];
  if (step !== undefined) return step.command.type;
  const wait = instance.waits[0];
  if (wait !== undefined) return `wait ${wait.key}`;
  const timer = instance.timers[0];
  return timer === undefined ? null : `timer ${timer.name}`;
}

function summary(instance: SagaInstance, runner: string): SagaSummary {
  return {
    id: instance.id,
    type: instance.type,
    status: instance.status,
    startedAt: instance.startedAt,
    updatedAt: instance.updatedAt,
    step: currentStep(instance),
    ...(instance.failure !== undefined && { failure: instance.failure }),
    runner,
  };
}

/** Checks a list query before any read: a ValidationError naming the field otherwise. */
export function checkSagaListQuery(query: SagaListQuery): void {
  if (query.status !== undefined && !sagaStatuses.includes(query.status)) {
    throw new ValidationError('input', 'saga list', [{ path: 'state', message: `must be one of ${sagaStatuses.join(', ')}` }]);
  }
  if (query.limit !== undefined && (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > 1_000)) {
    throw new ValidationError('input', 'saga list', [{ path: 'limit', message: 'must be an integer from 1 to 1000' }]);
  }
}

/**
 * The sagas of one or more runners, read from their index streams (`<runner>.index`) and their
 * own streams (`<runner>-<id>`). Writes nothing: unlike a resuming runner it never stores an
 * index snapshot.
 */
export class SagaCatalog {
  constructor(
    private readonly store: EventStore,
    /** The runners' `name` options (default `saga`). */
    private readonly runners: readonly string[] = ['saga'],
  ) {}

  /** Counts by status over every indexed saga, and the newest `limit` matching the query. */
  async list(query: SagaListQuery = {}): Promise<SagaList> {
    checkSagaListQuery(query);
    const indexed = (await Promise.all(this.runners.map((r) => this.readIndex(r)))).flat();
    const open = indexed.filter((s) => s.status === undefined);
    // A closed saga's status is in its index event; an open one may be running or compensating.
    const folded = new Map<Indexed, SagaInstance | undefined>();
    await forEachLimit(open, concurrency, async (s) => folded.set(s, await this.fold(s)));
    const counts = Object.fromEntries(sagaStatuses.map((s) => [s, 0])) as Record<SagaStatus, number>;
    const statusOf = (s: Indexed): SagaStatus | undefined => s.status ?? folded.get(s)?.status;
    for (const s of indexed) {
      const status = statusOf(s);
      if (status !== undefined) counts[status]++;
    }
    const wanted = indexed
      .filter((s) => (query.type === undefined || s.type === query.type) && (query.status === undefined || statusOf(s) === query.status))
      .reverse()
      .slice(0, query.limit ?? 50);
    const sagas: SagaSummary[] = [];
    for (const s of wanted) {
      const instance = folded.has(s) ? folded.get(s) : await this.fold(s);
      if (instance !== undefined) sagas.push(summary(instance, s.runner));
    }
    return { counts, sagas };
  }

  /** One saga with its timeline; undefined when no runner has a stream for `id`. */
  async show(id: string): Promise<SagaDetail | undefined> {
    for (const runner of this.runners) {
      const events = await this.store.readStream(`${runner}-${id}`);
      const records = toRecords(events);
      const instance = foldSaga(id, records);
      if (instance !== undefined) return { ...summary(instance, runner), timeline: sagaTimeline(records) };
    }
    return undefined;
  }

  private async fold(s: Indexed): Promise<SagaInstance | undefined> {
    return foldSaga(s.id, toRecords(await this.store.readStream(`${s.runner}-${s.id}`)));
  }

  /** Every saga the index names, in the order opened, with the status it closed with. */
  private async readIndex(runner: string): Promise<Indexed[]> {
    const byId = new Map<string, Indexed>();
    for (let from = 1; ; from += page) {
      const batch = await this.store.readStream(`${runner}.index`, { fromVersion: from, maxCount: page });
      for (const stored of batch) {
        const e = parseSagaIndexEvent(stored);
        if (e.type === 'SagaOpened' && !byId.has(e.data.sagaId)) byId.set(e.data.sagaId, { id: e.data.sagaId, type: e.data.sagaType, runner });
        else if (e.type === 'SagaClosed') {
          const known = byId.get(e.data.sagaId);
          if (known !== undefined) known.status = e.data.status;
        }
      }
      if (batch.length < page) break;
    }
    return [...byId.values()];
  }
}

async function forEachLimit<T>(items: readonly T[], limit: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
