// Which appended events a trigger reacts to: a plain-data filter on type, stream and data fields.
import type { DomainEvent } from '../context/functionContext.js';

/**
 * A filter an event-triggered or conditional trigger listens with. All given parts must
 * hold. Kept as plain data (no callbacks) so it can be logged, compared and stored.
 */
export interface EventFilter {
  /** Event types to accept; any type when omitted. */
  readonly types?: readonly string[];
  /** Stream name prefix (e.g. `position-`); any stream when omitted. */
  readonly streamPrefix?: string;
  /** Exact values that top-level fields of `data` must have. */
  readonly dataEquals?: Readonly<Record<string, string | number | boolean | null>>;
}

/** The parts of a stored event a filter looks at. */
export interface FilterableEvent extends DomainEvent {
  readonly stream: string;
}

export function matchesEventFilter(filter: EventFilter, event: FilterableEvent): boolean {
  if (filter.types !== undefined && !filter.types.includes(event.type)) return false;
  if (filter.streamPrefix !== undefined && !event.stream.startsWith(filter.streamPrefix)) return false;
  if (filter.dataEquals !== undefined) {
    const data = event.data as Record<string, unknown> | null;
    if (data === null || typeof data !== 'object') return false;
    for (const [field, value] of Object.entries(filter.dataEquals)) {
      if (data[field] !== value) return false;
    }
  }
  return true;
}
