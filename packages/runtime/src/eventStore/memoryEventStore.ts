// In-memory event store: the twin of the SQL stores for tests and single-process demos; same contract, no durability.
import { ConcurrencyError, DuplicateEventIdError, IdempotencyKeyReusedError, LucentError } from '@lucent/core';
import {
  checkReadAll,
  checkReadStream,
  checkSaveCheckpoint,
  checkStreamName,
  checkSubscribe,
  checkSubscriberId,
  defaultMaxEventBytes,
  idempotencyFingerprint,
  newEventId,
  prepareAppend,
} from './appendInput.js';
import { CatchUpSubscription } from './catchUpSubscription.js';
import type {
  AppendOptions,
  AppendResult,
  EventMetadata,
  EventStore,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  StoredEvent,
  SubscribeOptions,
  Subscription,
} from './eventStore.js';

export interface MemoryEventStoreOptions {
  readonly clock?: () => number;
  readonly maxEventBytes?: number;
}

export class MemoryEventStore implements EventStore {
  private readonly all: StoredEvent[] = [];
  private readonly streams = new Map<string, StoredEvent[]>();
  /** The ids callers gave, by stream (lower-case), so such an id is stored at most once per stream. */
  private readonly ids = new Map<string, Set<string>>();
  /** Each idempotency key with the stream it was first used on and the fingerprint of that request. */
  private readonly idempotency = new Map<string, { readonly stream: string; readonly fingerprint: string; readonly result: AppendResult }>();
  private readonly checkpoints = new Map<string, number>();
  private readonly listeners = new Set<() => void>();
  private readonly clock: () => number;
  private readonly maxEventBytes: number;
  private closed = false;

  constructor(options: MemoryEventStoreOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.maxEventBytes = options.maxEventBytes ?? defaultMaxEventBytes;
  }

  private ensureOpen(): void {
    if (this.closed) throw new LucentError('UNAVAILABLE', 'The event store is closed');
  }

  append(stream: string, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult> {
    try {
      return Promise.resolve(this.appendNow(stream, events, options));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private appendNow(stream: string, events: readonly NewEvent[], options?: AppendOptions): AppendResult {
    this.ensureOpen();
    const prepared = prepareAppend(stream, events, options, newEventId, this.maxEventBytes);
    const key = options?.idempotencyKey;
    const fingerprint = key === undefined ? undefined : idempotencyFingerprint(prepared, options);
    if (key !== undefined) {
      const seen = this.idempotency.get(key);
      if (seen) {
        if (seen.stream !== stream) throw new IdempotencyKeyReusedError(key, seen.stream, stream, 'stream');
        if (seen.fingerprint !== fingerprint) throw new IdempotencyKeyReusedError(key, seen.stream, stream, 'events');
        return { ...seen.result, duplicate: true };
      }
    }
    const existing = this.streams.get(stream);
    const version = existing?.length ?? 0;
    const expected = options?.expectedVersion ?? 'any';
    const ok =
      expected === 'any' ||
      (expected === 'noStream' && version === 0) ||
      (expected === 'streamExists' && version > 0) ||
      expected === version;
    if (!ok) throw new ConcurrencyError(stream, expected, version);
    // Only ids a caller gave can meet again: a generated id lies in a range callers may not use and is
    // unique by its randomness (appendInput.ts), so it is not kept (as the SQL stores index only given ids).
    let ids = this.ids.get(stream);
    for (const e of prepared) if (e.idGiven && ids?.has(e.id) === true) throw new DuplicateEventIdError(stream, e.id);
    const list = existing ?? [];
    const timestamp = this.clock();
    for (let i = 0; i < prepared.length; i++) {
      const e = prepared[i]!;
      // Stored copies come from the JSON text, so later mutation of the caller's objects changes nothing.
      const stored: StoredEvent = {
        id: e.id,
        stream,
        type: e.type,
        data: JSON.parse(e.dataJson) as unknown,
        metadata: JSON.parse(e.metadataJson) as EventMetadata,
        streamVersion: version + i + 1,
        globalPosition: this.all.length + 1,
        timestamp,
      };
      list.push(stored);
      this.all.push(stored);
      if (e.idGiven) {
        if (ids === undefined) this.ids.set(stream, (ids = new Set()));
        ids.add(e.id);
      }
    }
    if (existing === undefined) this.streams.set(stream, list);
    const result: AppendResult = {
      nextVersion: list.length,
      lastGlobalPosition: this.all.length,
      duplicate: false,
    };
    if (key !== undefined) this.idempotency.set(key, { stream, fingerprint: fingerprint as string, result });
    for (const l of this.listeners) l();
    return result;
  }

  // async: a refused option or a closed store rejects the promise rather than throwing.
  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    this.ensureOpen();
    checkReadStream(stream, options);
    const list = this.streams.get(stream) ?? [];
    const max = options.maxCount ?? Number.POSITIVE_INFINITY;
    if (options.direction === 'backwards') {
      const from = Math.min(options.fromVersion ?? list.length, list.length);
      const out: StoredEvent[] = [];
      for (let v = from; v >= 1 && out.length < max; v--) out.push(list[v - 1] as StoredEvent);
      return out;
    }
    const from = Math.max(options.fromVersion ?? 1, 1);
    return list.slice(from - 1, max === Number.POSITIVE_INFINITY ? undefined : from - 1 + max);
  }

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    this.ensureOpen();
    checkReadAll(options);
    const after = options.after ?? 0;
    const max = options.maxCount ?? 1000;
    return this.all.slice(after, after + max);
  }

  async streamVersion(stream: string): Promise<number> {
    this.ensureOpen();
    checkStreamName(stream, 'streamVersion');
    return this.streams.get(stream)?.length ?? 0;
  }

  subscribe(options: SubscribeOptions): Subscription {
    checkSubscribe(options);
    return new CatchUpSubscription(this, options, (wake) => {
      this.listeners.add(wake);
      return () => this.listeners.delete(wake);
    });
  }

  async loadCheckpoint(subscriberId: string): Promise<number> {
    checkSubscriberId(subscriberId);
    return this.checkpoints.get(subscriberId) ?? 0;
  }

  async saveCheckpoint(subscriberId: string, position: number): Promise<void> {
    checkSaveCheckpoint(subscriberId, position);
    this.checkpoints.set(subscriberId, position);
  }

  close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    return Promise.resolve();
  }
}
