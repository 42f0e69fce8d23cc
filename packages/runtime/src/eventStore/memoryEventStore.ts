// In-memory event store: the twin of the SQL stores for tests and single-process demos; same contract, no durability.
import { randomUUID } from 'node:crypto';
import { ConcurrencyError, LucentError } from '@lucent/core';
import { defaultMaxEventBytes, prepareAppend } from './appendInput.js';
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
  private readonly idempotency = new Map<string, AppendResult>();
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
    const prepared = prepareAppend(stream, events, options, randomUUID, this.maxEventBytes);
    const key = options?.idempotencyKey;
    if (key !== undefined) {
      const seen = this.idempotency.get(key);
      if (seen) return { ...seen, duplicate: true };
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
    const list = existing ?? [];
    const timestamp = this.clock();
    for (const [i, e] of prepared.entries()) {
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
    }
    this.streams.set(stream, list);
    const result: AppendResult = {
      nextVersion: list.length,
      lastGlobalPosition: this.all.length,
      duplicate: false,
    };
    if (key !== undefined) this.idempotency.set(key, result);
    for (const l of this.listeners) l();
    return result;
  }

  readStream(stream: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    this.ensureOpen();
    const list = this.streams.get(stream) ?? [];
    const max = options.maxCount ?? Number.POSITIVE_INFINITY;
    if (options.direction === 'backwards') {
      const from = Math.min(options.fromVersion ?? list.length, list.length);
      const out: StoredEvent[] = [];
      for (let v = from; v >= 1 && out.length < max; v--) out.push(list[v - 1] as StoredEvent);
      return Promise.resolve(out);
    }
    const from = Math.max(options.fromVersion ?? 1, 1);
    return Promise.resolve(list.slice(from - 1, max === Number.POSITIVE_INFINITY ? undefined : from - 1 + max));
  }

  readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    this.ensureOpen();
    const after = options.after ?? 0;
    const max = options.maxCount ?? 1000;
    return Promise.resolve(this.all.slice(after, after + max));
  }

  streamVersion(stream: string): Promise<number> {
    this.ensureOpen();
    return Promise.resolve(this.streams.get(stream)?.length ?? 0);
  }

  subscribe(options: SubscribeOptions): Subscription {
    return new CatchUpSubscription(this, options, (wake) => {
      this.listeners.add(wake);
      return () => this.listeners.delete(wake);
    });
  }

  loadCheckpoint(subscriberId: string): Promise<number> {
    return Promise.resolve(this.checkpoints.get(subscriberId) ?? 0);
  }

  saveCheckpoint(subscriberId: string, position: number): Promise<void> {
    this.checkpoints.set(subscriberId, position);
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    return Promise.resolve();
  }
}
