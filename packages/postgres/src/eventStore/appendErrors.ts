// What a failed append means: the SQL errors raised by lucent_append (LU409, LU410, LU413) and the event-id unique index, as typed errors.
import { ConcurrencyError, DuplicateEventIdError, IdempotencyKeyReusedError, ValidationError } from '@lucent/core';
import type { ExpectedVersion, PreparedEvent } from '@lucent/runtime';
import { eventIdIndex } from './migrations.js';

/** The fields of a pg (or PGlite) error that an append reads. */
export interface SqlErrorFields {
  readonly code?: string;
  readonly detail?: string;
  readonly constraint?: string;
}

/** True for the loser of two appends racing with one new idempotency key: it retries once and finds the winner's result. */
export function lostIdempotencyRace(error: unknown): boolean {
  const e = error as SqlErrorFields;
  // The key row goes in before the events, so the loser trips over the key, not over an event id.
  return e.code === '23505' && String(e.constraint ?? '').includes('idempotency');
}

/** The typed error for a failed append of `prepared` to `stream`, or undefined when the error is none of the append's own. */
export function appendErrorOf(
  error: unknown,
  stream: string,
  expectedVersion: ExpectedVersion | undefined,
  key: string | null,
  prepared: readonly PreparedEvent[],
): Error | undefined {
  const e = error as SqlErrorFields;
  if (e.code === 'LU409') {
    return new ConcurrencyError(stream, expectedVersion ?? 'any', Number(e.detail ?? 0));
  }
  if (e.code === 'LU413') {
    return new ValidationError('input', 'append', [
      { path: 'events', message: 'a transaction appends at most 65,536 events (positions are per transaction id)' },
    ]);
  }
  if (e.code === 'LU410' && key !== null) {
    const first = parseDetail(e.detail);
    return new IdempotencyKeyReusedError(key, first.stream ?? '(unknown)', stream, first.reason === 'stream' ? 'stream' : 'events');
  }
  if (e.code === '23505' && e.constraint === eventIdIndex) return new DuplicateEventIdError(stream, duplicateIdOf(e.detail, prepared));
  return undefined;
}

/** The DETAIL of LU410: the stream the key was first used on, and why it is refused. */
function parseDetail(detail: string | undefined): { stream?: string; reason?: string } {
  try {
    return JSON.parse(detail ?? '{}') as { stream?: string; reason?: string };
  } catch {
    return {};
  }
}

/** The repeated id, from the DETAIL of the unique violation ("Key (stream_id, event_id)=(s, id) already exists."). */
function duplicateIdOf(detail: string | undefined, prepared: readonly PreparedEvent[]): string {
  const found = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\)\s+already exists/i.exec(detail ?? '');
  return found?.[1] ?? (prepared.length === 1 ? (prepared[0] as PreparedEvent).id : '(one of the batch)');
}
