// Resuming after a restart: every saga the index lists as open is reloaded from its stream, its waits re-armed and its due work done again.
import { isFinished, type Logger } from '@lucent/core';
import type { SagaDriver } from './sagaDriver.js';
import type { SagaIndex } from './sagaIndex.js';
import type { SagaQueues } from './sagaQueue.js';
import type { SagaScheduling } from './sagaScheduling.js';
import type { SagaStreams } from './sagaStreams.js';

export interface SagaResumeParts {
  readonly streams: SagaStreams;
  readonly index: SagaIndex;
  readonly queues: SagaQueues;
  readonly driver: SagaDriver;
  readonly scheduling: Pick<SagaScheduling, 'ensureWait'>;
  readonly clock: () => number;
  readonly log: Logger;
  /** Sagas resumed at once. */
  readonly concurrency: number;
}

/**
 * Resume every unfinished saga, `concurrency` at a time, each inside its own queue; one that
 * fails to resume is logged and stays open (the next resume tries it again). Stops taking
 * sagas once the driver is closed. Returns how many the index listed.
 */
export async function resumeSagas(parts: SagaResumeParts): Promise<number> {
  const ids = await parts.index.unfinished();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length && !parts.driver.closed) {
      const id = ids[next++] as string;
      try {
        await parts.queues.enqueue(id, () => resumeSaga(parts, id));
      } catch (error) {
        parts.log.error('saga could not be resumed; it stays open', { sagaId: id, error: String(error) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parts.concurrency, ids.length) }, worker));
  return ids.length;
}

/** Resume one saga from its stream alone: steps in flight run again under their original idempotency keys. */
export async function resumeSaga(parts: Omit<SagaResumeParts, 'queues' | 'log' | 'concurrency'>, sagaId: string): Promise<void> {
  parts.streams.forget(sagaId);
  const instance = await parts.streams.load(sagaId);
  // Opened in the index but the start never committed (the caller was never told it started),
  // or another runner is starting it right now: either way nothing to resume, and nothing to close.
  if (instance === undefined) return;
  if (isFinished(instance.status)) {
    // It finished, but the process died before the index heard of it.
    await parts.index.closed(sagaId, instance.status);
    return;
  }
  for (const w of instance.waits) await parts.scheduling.ensureWait(sagaId, w, instance.startedAt, parts.clock());
  await parts.driver.drive(instance);
}
