// Event store and projection store decorators that run each call under the policy of its engine (PostgreSQL, Redis).
import type { EventStore } from '../eventStore/eventStore.js';
import type { ProjectionStore } from '../projections/projectionStore.js';
import type { Resilience } from './resilience.js';

/** The store's connection pool already bounds its concurrency: a bulkhead would only refuse calls the pool would queue. */
const storeBase = { bulkhead: false } as const;

/**
 * Reads under `dependency` (retried when transient); writes under `${dependency}.write` with no
 * retry unless declared: an append or commit whose reply was lost may have landed, and running it
 * again is the caller's decision (it knows the expected version). Subscriptions are long-lived
 * and reconnect on their own; they pass straight through, as does close.
 */
export function resilientEventStore(store: EventStore, resilience: Resilience, dependency = 'postgres'): EventStore {
  const read = resilience.dependency(dependency, storeBase);
  const write = resilience.dependency(`${dependency}.write`, { ...storeBase, retry: false });
  return {
    append: (stream, events, options) => write.execute(() => store.append(stream, events, options)),
    readStream: (stream, options) => read.execute(() => store.readStream(stream, options)),
    readAll: (options) => read.execute(() => store.readAll(options)),
    streamVersion: (stream) => read.execute(() => store.streamVersion(stream)),
    subscribe: (options) => store.subscribe(options),
    loadCheckpoint: (subscriberId) => read.execute(() => store.loadCheckpoint(subscriberId)),
    saveCheckpoint: (subscriberId, position) => write.execute(() => store.saveCheckpoint(subscriberId, position)),
    close: () => store.close(),
  };
}

/** Same split for a projection store: queries and loads are retried reads; commit (checkpoint compare-and-set) is a write. */
export function resilientProjectionStore(store: ProjectionStore, resilience: Resilience, dependency = 'redis'): ProjectionStore {
  const read = resilience.dependency(dependency, storeBase);
  const write = resilience.dependency(`${dependency}.write`, { ...storeBase, retry: false });
  return {
    activeGeneration: (projection) => read.execute(() => store.activeGeneration(projection)),
    activate: (projection, generation) => write.execute(() => store.activate(projection, generation)),
    checkpoint: (projection, generation) => read.execute(() => store.checkpoint(projection, generation)),
    load: (projection, generation, keys) => read.execute(() => store.load(projection, generation, keys)),
    commit: (projection, generation, expected, next, views) => write.execute(() => store.commit(projection, generation, expected, next, views)),
    dropGeneration: (projection, generation) => write.execute(() => store.dropGeneration(projection, generation)),
    get: (projection, key) => read.execute(() => store.get(projection, key)),
    close: () => store.close(),
  };
}
