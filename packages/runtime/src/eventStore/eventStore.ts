// The event store port: append-only streams with optimistic concurrency and a gap-safe global order.
import type { DomainEvent } from '@lucent/core';

/** What an append expects of the stream: anything, nothing yet, something, or an exact version. */
export type ExpectedVersion = 'any' | 'noStream' | 'streamExists' | number;

export interface EventMetadata {
  readonly correlationId?: string;
  readonly causationId?: string;
  /** W3C trace context of the command that produced the event. */
  readonly traceparent?: string;
  readonly userId?: string;
  readonly [key: string]: unknown;
}

/** An event to append: the domain event plus optional id and metadata. */
export interface NewEvent<E extends DomainEvent = DomainEvent> {
  readonly type: E['type'];
  readonly data: E['data'];
  /**
   * A UUID (stored lower-case); when absent the store generates one in a range of its own
   * (`4c556365-6e74-8…`, see `newEventId`), which callers may not give. Unique within its stream:
   * an append that repeats an id its stream holds is refused with DUPLICATE_EVENT_ID, one that
   * repeats an id within its own batch with VALIDATION_FAILED; nothing is written either way.
   */
  readonly id?: string;
  readonly metadata?: EventMetadata;
}

/** An event as stored. */
export interface StoredEvent<E extends DomainEvent = DomainEvent> {
  readonly id: string;
  readonly stream: string;
  readonly type: E['type'];
  readonly data: E['data'];
  readonly metadata: EventMetadata;
  /** 1-based position inside its stream. */
  readonly streamVersion: number;
  /** Position in the store-wide order; bigint as a decimal-safe number for positions < 2^53. */
  readonly globalPosition: number;
  /** Epoch ms when the store accepted it. */
  readonly timestamp: number;
}

export interface AppendOptions {
  readonly expectedVersion?: ExpectedVersion;
  /**
   * A command's idempotency key, stored with its stream and a fingerprint of the request (see
   * `idempotencyFingerprint`). Repeated on the same stream with the same request: the first
   * result, `duplicate: true`, nothing written (checked before the expected version). Repeated on
   * another stream or with another request: IDEMPOTENCY_KEY_REUSED, nothing written.
   */
  readonly idempotencyKey?: string;
  /**
   * What the key stands for when it is not the events themselves: any JSON value, compared (key
   * order aside) instead of the events. For callers whose retries rightly produce other events,
   * e.g. a command handler that decides again with a fresh clock reading: it passes the command.
   * Needs `idempotencyKey`.
   */
  readonly idempotencyPayload?: unknown;
}

export interface AppendResult {
  /** Stream version after the append. */
  readonly nextVersion: number;
  /** Global position of the last appended event. */
  readonly lastGlobalPosition: number;
  /** True when the idempotency key was seen before and nothing was written. */
  readonly duplicate: boolean;
}

/**
 * Every store checks read options the same way before any I/O: a bad one (a negative, fractional
 * or NaN number, an unknown direction, an option the call does not have) is a ValidationError
 * (VALIDATION_FAILED) whose issue path names the option.
 */
export interface ReadStreamOptions {
  readonly direction?: 'forwards' | 'backwards';
  /** Inclusive stream version to start from (1 forwards, latest backwards by default); an integer >= 0. */
  readonly fromVersion?: number;
  /** At most this many events (an integer >= 0; all by default). */
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events with a global position greater than this. 0 for the start; an integer >= 0. */
  readonly after?: number;
  /** At most this many events (an integer >= 0; default 1,000). */
  readonly maxCount?: number;
}

/** Where a subscription starts and where it keeps its checkpoint. */
export interface SubscribeOptions {
  /**
   * Durable subscriber name: the checkpoint is loaded from and saved to the store under it,
   * so a restarted subscriber resumes where it stopped. Without it the position lives in memory.
   */
  readonly subscriberId?: string;
  /** Exclusive start position when there is no stored checkpoint (default 0: from the beginning); an integer >= 0. */
  readonly after?: number;
  /** Events per handler call at most (an integer >= 1, default 500). */
  readonly batchSize?: number;
  /** Fallback poll period when no wake-up signal arrives (> 0, default 1,000 ms). */
  readonly pollIntervalMs?: number;
  /**
   * Receives events in global order, a batch at a time. Delivery is at least once: after a
   * crash the batch since the last checkpoint comes again, so handlers use the position to dedupe.
   * The checkpoint is saved only after the handler resolves.
   */
  readonly handler: (events: readonly StoredEvent[]) => Promise<void> | void;
  /** Called when reading or the handler fails; the subscription retries from its checkpoint. */
  readonly onError?: (error: unknown) => void;
}

export interface Subscription {
  /** Last position handled (and checkpointed when durable). */
  readonly position: number;
  /** Resolves once every event up to `position` (a global position) is handled. */
  waitFor(position: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface EventStore {
  append(stream: string, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  readStream(stream: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;
  /** Events in global order, never skipping one that commits later with a lower position. */
  readAll(options?: ReadAllOptions): Promise<StoredEvent[]>;
  /** Current version of a stream, 0 when it does not exist. */
  streamVersion(stream: string): Promise<number>;
  /** Catch up from a checkpoint, then follow new events live. */
  subscribe(options: SubscribeOptions): Subscription;
  /** The stored checkpoint of a durable subscriber, 0 when it has none. */
  loadCheckpoint(subscriberId: string): Promise<number>;
  saveCheckpoint(subscriberId: string, position: number): Promise<void>;
  close(): Promise<void>;
}
