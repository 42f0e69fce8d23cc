// Projector: follows the event store's global order and keeps one projection's views and checkpoint in a ProjectionStore.
import { keysOf, LucentError, projectBatch, type DomainEvent, type ErrorCode, type ProjectedEvent, type Projection } from '@lucent/core';
import type { EventStore, StoredEvent, Subscription } from '../eventStore/eventStore.js';
import { inSpan, linksTo, remoteContext, SpanKind, spanParent, tracingActive } from '../observability/tracing.js';
import type { ProjectionStore } from './projectionStore.js';

export interface ProjectorOptions<V, E extends DomainEvent> {
  readonly events: EventStore;
  readonly views: ProjectionStore;
  readonly projection: Projection<V, E>;
  readonly batchSize?: number;
  readonly pollIntervalMs?: number;
  readonly onError?: (error: unknown) => void;
  /**
   * How long one batch is retried, with backoff, while the projection store is UNAVAILABLE or
   * DEADLINE_EXCEEDED (a Redis failover, a restart, an open circuit) before the projector reports a typed UNAVAILABLE error to `onError`
   * (default 30,000 ms); the subscription then tries the batch again after its poll interval.
   */
  readonly storeRetryMs?: number;
}

/**
 * A store that did not answer: unreachable, between masters, behind an open circuit, or timed out
 * (the commit may have landed; the compare-and-set retry finds out).
 */
const storeAway: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['UNAVAILABLE', 'DEADLINE_EXCEEDED']);
const firstRetryDelayMs = 25;
const maxRetryDelayMs = 1_000;

export class Projector<V, E extends DomainEvent = DomainEvent> {
  private subscription: Subscription | undefined;
  private generation = 1;
  /** Per generation, the checkpoint this process last committed or read; the next commit must start from it. */
  private readonly positions = new Map<number, number>();
  private stopping = false;
  /** Ends a backoff sleep early when the projector stops. */
  private wakeRetry: (() => void) | undefined;

  constructor(private readonly options: ProjectorOptions<V, E>) {}

  get name(): string {
    return this.options.projection.name;
  }

  /** Global position of the last event in the views queries read (the active generation's checkpoint as this process knows it). */
  get position(): number {
    return this.positions.get(this.generation) ?? 0;
  }

  /** Resume from the stored checkpoint of the active generation and follow live events. */
  async start(): Promise<void> {
    if (this.subscription) return;
    this.stopping = false;
    this.generation = await this.options.views.activeGeneration(this.name);
    await this.follow(this.generation);
  }

  private async follow(generation: number): Promise<void> {
    const after = await this.options.views.checkpoint(this.name, generation);
    this.positions.set(generation, after);
    this.subscription = this.options.events.subscribe({
      after,
      batchSize: this.options.batchSize ?? 500,
      pollIntervalMs: this.options.pollIntervalMs,
      onError: this.options.onError,
      handler: (batch) => this.apply(generation, batch),
    });
  }

  /** Fold a batch and commit views and checkpoint in one atomic write. */
  private apply(generation: number, batch: readonly StoredEvent[]): Promise<void> {
    return tracingActive() ? this.tracedApply(generation, batch) : this.commit(generation, batch);
  }

  /**
   * The commit in a `projection <name>` span, child of the span that produced the batch's last
   * traced event (its metadata's traceparent), linked to the others' (a batch may hold many traces).
   */
  private tracedApply(generation: number, batch: readonly StoredEvent[]): Promise<void> {
    const producers = [...new Set(batch.map((e) => e.metadata.traceparent).filter((t): t is string => typeof t === 'string'))];
    const parent = spanParent(remoteContext(producers[producers.length - 1]), true);
    if (parent === undefined) return this.commit(generation, batch);
    // At most 32 links: a catch-up batch of 500 events from 500 requests would make a huge span.
    const links = linksTo(producers.slice(-33, -1));
    const attributes = () => ({
      'lucent.projection': this.name,
      'lucent.generation': generation,
      'lucent.events': batch.length,
      'lucent.global_position': (batch[batch.length - 1] as StoredEvent).globalPosition,
    });
    return inSpan(`projection ${this.name}`, SpanKind.INTERNAL, parent, attributes, () => this.commit(generation, batch), links);
  }

  /**
   * Commit a batch, riding out a store that is briefly away: UNAVAILABLE and DEADLINE_EXCEEDED
   * errors (a failover, a restart) are retried with backoff for up to `storeRetryMs`, then reported as one typed error.
   * Retrying is safe because every commit is a compare-and-set on the checkpoint.
   */
  private async commit(generation: number, batch: readonly StoredEvent[]): Promise<void> {
    const bound = this.options.storeRetryMs ?? 30_000;
    const started = performance.now();
    let delay = firstRetryDelayMs;
    for (;;) {
      try {
        return await this.commitOnce(generation, batch);
      } catch (error) {
        const waited = performance.now() - started;
        if (!(error instanceof LucentError) || !storeAway.has(error.code) || this.stopping) throw error;
        if (waited >= bound) {
          throw new LucentError(
            'UNAVAILABLE',
            `Projection ${this.name}: the projection store stayed unavailable for ${Math.round(waited)} ms (${error.message})`,
            { projection: this.name, generation, waitedMs: Math.round(waited) },
            { cause: error },
          );
        }
        await this.pause(Math.min(delay, bound - waited));
        delay = Math.min(delay * 2, maxRetryDelayMs);
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeRetry = undefined;
        resolve();
      }, ms);
      this.wakeRetry = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async commitOnce(generation: number, batch: readonly StoredEvent[]): Promise<void> {
    const { views, projection } = this.options;
    const first = (batch[0] as StoredEvent).globalPosition;
    const last = (batch[batch.length - 1] as StoredEvent).globalPosition;
    for (let tries = 0; tries < 3; tries++) {
      const from = this.positions.get(generation) ?? 0;
      const fresh = batch.filter((e) => e.globalPosition > from) as unknown as ProjectedEvent<E>[];
      if (fresh.length === 0) return;
      const current = await views.load<V>(projection.name, generation, keysOf(projection, fresh));
      const changed = projectBatch(projection, current, fresh);
      if (await views.commit(projection.name, generation, from, last, changed)) {
        this.positions.set(generation, last);
        return;
      }
      // Someone else (a second projector, a restart overlap) moved the checkpoint: start again from theirs.
      const stored = await views.checkpoint(projection.name, generation);
      this.positions.set(generation, stored);
      // The checkpoint went back: the store lost commits it had acknowledged (a Redis master died
      // before its replica had them, and the replica took over). Views and checkpoint are written by
      // one script, so the views went back with it: fold the events between again, then this batch.
      if (stored < from) await this.refold(generation, first);
    }
    throw new Error(`Projection ${projection.name}: checkpoint keeps moving under this projector`);
  }

  /** Commit the events after this generation's checkpoint and before `before` (a batch that starts later). */
  private async refold(generation: number, before: number): Promise<void> {
    for (;;) {
      const after = this.positions.get(generation) ?? 0;
      const missing = (await this.options.events.readAll({ after, maxCount: this.options.batchSize ?? 500 })).filter((e) => e.globalPosition < before);
      if (missing.length === 0) return;
      await this.commitOnce(generation, missing);
    }
  }

  /** Resolves when every event up to `globalPosition` is in the views. */
  waitFor(globalPosition: number, timeoutMs?: number): Promise<void> {
    if (!this.subscription) return Promise.reject(new Error(`Projector ${this.name} is not started`));
    return this.subscription.waitFor(globalPosition, timeoutMs);
  }

  /**
   * Rebuild from position 0 into a new generation while queries keep reading the old one,
   * then switch queries to it and drop the old one.
   */
  async rebuild(): Promise<number> {
    const { views, events } = this.options;
    const old = await views.activeGeneration(this.name);
    const next = old + 1;
    await views.dropGeneration(this.name, next);
    const catchUp = async (): Promise<void> => {
      for (;;) {
        const batch = await events.readAll({ after: this.positions.get(next) ?? 0, maxCount: this.options.batchSize ?? 500 });
        if (batch.length === 0) return;
        await this.apply(next, batch);
      }
    };
    const live = this.subscription;
    this.positions.set(next, 0);
    await catchUp();
    // Stop the old follower only now, so queries were served from the old generation the whole time.
    this.subscription = undefined;
    await live?.stop();
    await catchUp();
    await views.activate(this.name, next);
    this.generation = next;
    await this.follow(next);
    await views.dropGeneration(this.name, old);
    this.positions.delete(old);
    return next;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeRetry?.();
    const s = this.subscription;
    this.subscription = undefined;
    await s?.stop();
  }
}
