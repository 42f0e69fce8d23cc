// The index stream (`<name>.index`): which sagas were opened and closed, with snapshots of the open ones so a resume reads back only so far.
import { ConcurrencyError, ValidationError, type SagaStatus } from '@lucent/core';
import type { EventStore } from '../eventStore/eventStore.js';
import { parseSagaIndexEvent } from './sagaRecordSchemas.js';

/** An index event listing the sagas still open at its version; resume reads back no further. */
export const indexSnapshotType = 'SagaIndexSnapshot';
interface IndexSnapshot {
  readonly open: readonly string[];
}

/** Events read back per page when the index is scanned. */
const page = 5_000;

/** Index events written in one append at most (the rest wait for the next one). */
const maxBatch = 500;

interface PendingIndexEvent {
  readonly event: { readonly type: string; readonly data: unknown };
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export class SagaIndex {
  readonly stream: string;
  /** Opened/closed events waiting for the append in flight to finish; they go together in the next one. */
  private readonly queued: PendingIndexEvent[] = [];
  private writing = false;

  constructor(
    private readonly store: EventStore,
    name: string,
    /** Index events a scan may fold before it stores a snapshot of the open sagas. */
    private readonly snapshotEvery: number,
  ) {
    this.stream = `${name}.index`;
  }

  /** A saga is about to be started (written before its stream, so a resume finds it). Resolves once stored. */
  opened(sagaId: string, sagaType: string): Promise<void> {
    return this.write({ type: 'SagaOpened', data: { sagaId, sagaType } });
  }

  /** A saga finished. Resolves once stored. */
  closed(sagaId: string, status: SagaStatus): Promise<void> {
    return this.write({ type: 'SagaClosed', data: { sagaId, status } });
  }

  /**
   * Every saga of a runner writes to this one stream, so its appends would take turns on the
   * stream's row, one commit each, holding pool connections while they wait. Instead one append
   * is in flight at a time, and the events that arrived meanwhile go together in the next one
   * (in arrival order): one commit for many sagas. Each caller still resolves only once its own
   * event is stored, and a failed append rejects exactly the callers whose events it carried.
   */
  private write(event: PendingIndexEvent['event']): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ event, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.queued.length > 0) {
      const batch = this.queued.splice(0, maxBatch);
      try {
        await this.store.append(this.stream, batch.map((p) => p.event));
        for (const p of batch) p.resolve();
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    }
    this.writing = false;
  }

  /**
   * The sagas the index lists as opened and not closed, oldest first. The index is read backwards,
   * newest first, down to its latest snapshot (or its start): the newest event of a saga decides
   * it, and a snapshot stands for everything before it. When more than `snapshotEvery`
   * events were read, a new snapshot is appended at exactly the version read, so a scan that
   * raced a writer stores none (the next one will).
   */
  async unfinished(): Promise<string[]> {
    const decided = new Set<string>();
    const open: string[] = [];
    let latest = 0;
    let read = 0;
    let from: number | undefined;
    scan: for (;;) {
      const batch = await this.store.readStream(this.stream, { direction: 'backwards', maxCount: page, ...(from === undefined ? {} : { fromVersion: from }) });
      if (latest === 0) latest = batch[0]?.streamVersion ?? 0;
      for (const stored of batch) {
        const e = parseSagaIndexEvent(stored);
        if (e.type === indexSnapshotType) {
          for (const id of e.data.open) if (!decided.has(id)) open.push(id);
          break scan;
        }
        read++;
        const sagaId = e.data.sagaId;
        if (decided.has(sagaId)) continue;
        decided.add(sagaId);
        if (e.type === 'SagaOpened') open.push(sagaId);
      }
      const oldest = batch[batch.length - 1]?.streamVersion ?? 1;
      if (batch.length < page || oldest <= 1) break;
      from = oldest - 1;
    }
    if (read >= this.snapshotEvery) {
      const snapshot: IndexSnapshot = { open };
      try {
        await this.store.append(this.stream, [{ type: indexSnapshotType, data: snapshot }], { expectedVersion: latest });
      } catch (error) {
        // Another writer got in first (the next resume snapshots), or the list is over the event
        // size limit (resume keeps reading back further): neither loses a saga.
        if (!(error instanceof ConcurrencyError) && !(error instanceof ValidationError)) throw error;
      }
    }
    return open.reverse();
  }
}
