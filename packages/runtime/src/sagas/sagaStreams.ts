// Each saga's own event stream (`<name>-<id>`): appends at the instance's version, and the unfinished instances this process holds.
import { foldSaga, isFinished, sagaRecordTypes, type SagaInstance, type SagaRecord } from '@lucent/core';
import type { EventStore, StoredEvent } from '../eventStore/eventStore.js';
import { parseSagaRecord } from './sagaRecordSchemas.js';

const recordTypes = new Set<string>(sagaRecordTypes);

/**
 * The saga records among a stream's events (anything else in the stream is not the saga's), each
 * checked: a malformed one throws a ValidationError naming its stream, version and field.
 */
export function toRecords(events: readonly StoredEvent[]): SagaRecord[] {
  return events.filter((e) => recordTypes.has(e.type)).map(parseSagaRecord);
}

/**
 * Reads and writes saga streams and caches the live instance of every unfinished saga it has
 * loaded or written, so a saga's next step folds nothing.
 */
export class SagaStreams {
  private readonly cache = new Map<string, SagaInstance>();

  constructor(
    private readonly store: EventStore,
    private readonly name: string,
  ) {}

  streamOf(sagaId: string): string {
    return `${this.name}-${sagaId}`;
  }

  /** True when anything was written to the saga's stream. */
  exists(sagaId: string): Promise<boolean> {
    return this.store.streamVersion(this.streamOf(sagaId)).then((version) => version > 0);
  }

  /** The saga's stream, every event. */
  history(sagaId: string): Promise<StoredEvent[]> {
    return this.store.readStream(this.streamOf(sagaId));
  }

  /** The saga as this process holds it, or folded from its stream (cached while unfinished). */
  async load(sagaId: string): Promise<SagaInstance | undefined> {
    const cached = this.cache.get(sagaId);
    if (cached !== undefined) return cached;
    const instance = foldSaga(sagaId, toRecords(await this.history(sagaId)));
    if (instance !== undefined && !isFinished(instance.status)) this.cache.set(sagaId, instance);
    return instance;
  }

  // The calls below hand back the store's promise instead of wrapping it in an async function: a
  // saga writes a record per step, and the thin async wrappers the split runner first had (here,
  // around a step's execution and a finished saga's wake-up) made 88 promises a saga instead of
  // 69, and saga.throughput ~0.85x what it was before the split (`--filter saga.throughput`,
  // alternating builds).

  /** Write a saga's first records; ConcurrencyError when its stream exists already. */
  create(sagaId: string, records: readonly SagaRecord[]): Promise<unknown> {
    return this.store.append(this.streamOf(sagaId), records, { expectedVersion: 'noStream' });
  }

  /** Append a record at the instance's version; a rival writer gets a ConcurrencyError, and the caller then `forget`s the stale copy. */
  append(instance: SagaInstance, record: SagaRecord): Promise<unknown> {
    return this.store.append(this.streamOf(instance.id), [record], { expectedVersion: instance.version });
  }

  /** Hold an unfinished instance in memory. */
  remember(instance: SagaInstance): void {
    this.cache.set(instance.id, instance);
  }

  /** Drop the cached instance (the saga finished, or it must be read afresh). */
  forget(sagaId: string): void {
    this.cache.delete(sagaId);
  }

  /** How many unfinished sagas this process holds. */
  get size(): number {
    return this.cache.size;
  }

  /** The held sagas, counted by status. */
  countByStatus(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const instance of this.cache.values()) counts[instance.status] = (counts[instance.status] ?? 0) + 1;
    return counts;
  }
}
