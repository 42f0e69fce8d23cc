// An EventStore decorator that puts every append in an `eventstore.append` span while tracing is on (off: a straight pass-through).
import type { AppendOptions, AppendResult, EventStore, NewEvent } from '../eventStore/eventStore.js';
import { inSpan, parentContext, SpanKind, spanParent, tracingActive } from './tracing.js';

/**
 * The span's parent is the active span (a command's), else the traceparent the first event carries.
 * The events are stored as given: their metadata keeps the traceparent of the command that produced
 * them (an idempotent retry must present the same events, so the append never rewrites them).
 */
export function traceEventStore(store: EventStore): EventStore {
  const traced = (stream: string, events: readonly NewEvent[], options: AppendOptions | undefined): Promise<AppendResult> => {
    // An append joins its caller's trace; outside any (a registry audit at start-up) it starts none.
    const parent = spanParent(parentContext(events[0]?.metadata?.traceparent), false);
    if (parent === undefined) return store.append(stream, events, options);
    const attributes = () => ({
      'db.operation.name': 'append',
      'lucent.stream': stream,
      'lucent.events': events.length,
      'lucent.event_types': [...new Set(events.map((e) => String(e.type)))],
      ...(options?.expectedVersion !== undefined && { 'lucent.expected_version': options.expectedVersion }),
    });
    return inSpan('eventstore.append', SpanKind.CLIENT, parent, attributes, async (span) => {
      const result = await store.append(stream, events, options);
      if (span.isRecording()) {
        span.setAttributes({ 'lucent.next_version': result.nextVersion, 'lucent.global_position': result.lastGlobalPosition, 'lucent.duplicate': result.duplicate });
      }
      return result;
    });
  };
  return {
    append: (stream, events, options) => (tracingActive() ? traced(stream, events, options) : store.append(stream, events, options)),
    readStream: (stream, options) => store.readStream(stream, options),
    readAll: (options) => store.readAll(options),
    streamVersion: (stream) => store.streamVersion(stream),
    subscribe: (options) => store.subscribe(options),
    loadCheckpoint: (subscriberId) => store.loadCheckpoint(subscriberId),
    saveCheckpoint: (subscriberId, position) => store.saveCheckpoint(subscriberId, position),
    close: () => store.close(),
  };
}
