// A projection: a pure fold of events into keyed views, the read model that queries are answered from.
import type { DomainEvent } from '../context/functionContext.js';

/** What a projection sees of a stored event: the domain event plus where it sits in the log. */
export type ProjectedEvent<E extends DomainEvent = DomainEvent> = E & {
  readonly stream: string;
  readonly streamVersion: number;
  readonly globalPosition: number;
  readonly timestamp: number;
};

export interface Projection<View, E extends DomainEvent = DomainEvent> {
  /** Stable name; the store keeps views and checkpoint under it. */
  readonly name: string;
  /** Which view an event updates, or undefined when the projection ignores it. */
  keyOf(event: ProjectedEvent<E>): string | undefined;
  /** The view before any event for its key. */
  initialView(key: string): View;
  apply(view: View, event: ProjectedEvent<E>): View;
}

/** A view as stored: the value plus the global position of the last event folded into it. */
export interface ViewRecord<View> {
  readonly view: View;
  readonly position: number;
}

/**
 * Fold a batch into the views it touches, starting from `current` (records loaded from the
 * store; missing keys start from `initialView`). An event at or below a view's position was
 * already folded into it and is skipped, so redelivery never applies an event twice.
 * Returns only the changed records.
 */
export function projectBatch<View, E extends DomainEvent>(
  projection: Projection<View, E>,
  current: ReadonlyMap<string, ViewRecord<View>>,
  events: Iterable<ProjectedEvent<E>>,
): Map<string, ViewRecord<View>> {
  const changed = new Map<string, ViewRecord<View>>();
  for (const e of events) {
    const key = projection.keyOf(e);
    if (key === undefined) continue;
    const record = changed.get(key) ?? current.get(key) ?? { view: projection.initialView(key), position: 0 };
    if (e.globalPosition <= record.position) continue;
    changed.set(key, { view: projection.apply(record.view, e), position: e.globalPosition });
  }
  return changed;
}

/** Keys a batch touches, so the shell can load just those views. */
export function keysOf<E extends DomainEvent>(projection: Projection<unknown, E>, events: Iterable<ProjectedEvent<E>>): string[] {
  const keys = new Set<string>();
  for (const e of events) {
    const k = projection.keyOf(e);
    if (k !== undefined) keys.add(k);
  }
  return [...keys];
}
