// An EventStore decorator that times every append and remembers the newest global position this process wrote.
import { performance } from 'node:perf_hooks';
import { Gauge, Histogram, type Registry } from 'prom-client';
import type { AppendOptions, AppendResult, EventStore, NewEvent } from '../eventStore/eventStore.js';

/** Seconds: PGlite in memory takes tens of µs, PostgreSQL with fsync a millisecond, a contended commit more. */
const appendBuckets = [0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export interface InstrumentedEventStore extends EventStore {
  /** Highest global position an append through this decorator returned (0 before any). */
  readonly head: number;
}

/**
 * `lucent_event_store_append_duration_seconds{outcome}` (ok, conflict for VERSION_CONFLICT,
 * error) and `lucent_event_store_head_position`. Every other method goes straight to the store.
 */
export function instrumentEventStore(store: EventStore, registry: Registry): InstrumentedEventStore {
  const duration = new Histogram({
    name: 'lucent_event_store_append_duration_seconds',
    help: 'Time of one append (one or more events to one stream), by outcome',
    labelNames: ['outcome'],
    buckets: appendBuckets,
    registers: [registry],
  });
  const ok = duration.labels({ outcome: 'ok' });
  let head = 0;
  new Gauge({
    name: 'lucent_event_store_head_position',
    help: 'Highest global position appended by this process',
    registers: [registry],
    collect() {
      this.set(head);
    },
  });
  const append = async (stream: string, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult> => {
    const started = performance.now();
    try {
      const result = await store.append(stream, events, options);
      ok.observe((performance.now() - started) / 1_000);
      if (result.lastGlobalPosition > head) head = result.lastGlobalPosition;
      return result;
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      duration.observe({ outcome: code === 'VERSION_CONFLICT' ? 'conflict' : 'error' }, (performance.now() - started) / 1_000);
      throw error;
    }
  };
  return {
    get head() {
      return head;
    },
    append,
    readStream: (stream, options) => store.readStream(stream, options),
    readAll: (options) => store.readAll(options),
    streamVersion: (stream) => store.streamVersion(stream),
    subscribe: (options) => store.subscribe(options),
    loadCheckpoint: (subscriberId) => store.loadCheckpoint(subscriberId),
    saveCheckpoint: (subscriberId, position) => store.saveCheckpoint(subscriberId, position),
    close: () => store.close(),
  };
}
