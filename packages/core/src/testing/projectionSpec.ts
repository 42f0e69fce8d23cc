// given/then for projections: given stored events, then the views — also when every event is delivered twice.
import type { DomainEvent } from '../context/functionContext.js';
import { canonicalJson } from '../contracts/contract.js';
import { projectBatch, type ProjectedEvent, type Projection, type ViewRecord } from '../projections/projection.js';

/** Give plain events stream names and consecutive positions, as the store would. */
export function asStored<E extends DomainEvent>(stream: string, events: readonly E[], firstPosition = 1): ProjectedEvent<E>[] {
  return events.map((e, i) => ({ ...e, stream, streamVersion: i + 1, globalPosition: firstPosition + i, timestamp: 0 }));
}

function fold<V, E extends DomainEvent>(projection: Projection<V, E>, batches: readonly (readonly ProjectedEvent<E>[])[]) {
  let records = new Map<string, ViewRecord<V>>();
  for (const batch of batches) {
    const changed = projectBatch(projection, records, batch);
    records = new Map([...records, ...changed]);
  }
  return Object.fromEntries([...records].map(([k, r]) => [k, r.view]));
}

/**
 * ```ts
 * projectionSpec(portfolio).given(events).then({ 'user-1': { open: 1, ... } });
 * ```
 * `then` checks one pass, one event per batch, and at-least-once redelivery (every batch twice).
 */
export function projectionSpec<V, E extends DomainEvent>(projection: Projection<V, E>) {
  return {
    given(events: readonly ProjectedEvent<E>[]) {
      return {
        then(expected: Record<string, V>): void {
          const want = canonicalJson(expected);
          const runs: Record<string, readonly (readonly ProjectedEvent<E>[])[]> = {
            'one batch': [events],
            'one event per batch': events.map((e) => [e]),
            'every event delivered twice': events.flatMap((e) => [[e], [e]]),
            'the whole log replayed twice': [events, events],
          };
          for (const [how, batches] of Object.entries(runs)) {
            const got = canonicalJson(fold(projection, batches));
            if (got !== want) throw new Error(`Projection ${projection.name} (${how}):\n  expected ${want}\n  got      ${got}`);
          }
        },
      };
    },
  };
}
