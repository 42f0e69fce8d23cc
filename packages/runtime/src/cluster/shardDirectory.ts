// A caller's live table of shards, fed by their load reports; silent shards drop out after a few missed reports.
import {
  CallerViewTracker,
  aliveShards,
  defaultLiveness,
  expiredShards,
  isNewerReport,
  type LivenessOptions,
  type LoadReport,
} from '@lucent/core';
import type { Transport } from '../transport/transport.js';

export interface ShardDirectoryOptions {
  readonly liveness?: LivenessOptions;
  readonly clock?: () => number;
}

/** Why a shard left the table: it went quiet (its calls will not be answered), or it is draining (they will). */
export type DropReason = 'silent' | 'draining';

export class ShardDirectory {
  readonly reports = new Map<string, LoadReport>();
  /** The caller's own view (in flight, errors, first seen), which the routing policy scores on. */
  readonly view = new CallerViewTracker();
  private readonly liveness: LivenessOptions;
  private readonly clock: () => number;
  private readonly unsubscribe: () => void;
  private readonly sweeper: NodeJS.Timeout;
  private readonly dropListeners = new Set<(shardId: string, reason: DropReason) => void>();
  private readonly changeListeners = new Set<() => void>();
  private alive: string[] = [];
  private aliveAt = Number.NEGATIVE_INFINITY;

  constructor(transport: Transport, options: ShardDirectoryOptions = {}) {
    this.liveness = options.liveness ?? defaultLiveness;
    this.clock = options.clock ?? Date.now;
    this.unsubscribe = transport.onLoad((r) => this.receive(r));
    this.sweeper = setInterval(() => this.sweep(), Math.max(50, this.liveness.intervalMs / 2));
    this.sweeper.unref();
  }

  /** Take in one report; a late, reordered one never replaces a newer one. */
  receive(report: LoadReport): void {
    const held = this.reports.get(report.shardId);
    if (!isNewerReport(held, report)) return;
    const now = this.clock();
    this.reports.set(report.shardId, { ...report, receivedAt: now });
    // A draining shard still finishes its calls but must not get new ones; its later (draining) reports only keep it from going silent.
    const startsDraining = report.draining === true && held?.draining !== true;
    if (startsDraining) this.drop(report.shardId, 'draining');
    else if (report.draining !== true) this.view.seen(report.shardId, now);
    this.aliveAt = Number.NEGATIVE_INFINITY;
    if (held === undefined || startsDraining) for (const l of this.changeListeners) l();
  }

  /** Live shard ids, recomputed at most every 100 ms or on a new report (this runs once per call). */
  candidates(now = this.clock()): readonly string[] {
    if (now - this.aliveAt > 100) {
      this.alive = aliveShards(this.reports, now, this.liveness).filter((id) => this.reports.get(id)?.draining !== true);
      this.aliveAt = now;
    }
    return this.alive;
  }

  /**
   * Called with a shard's id when it is dropped: `silent`, its pending calls will not be answered;
   * `draining`, it takes no new calls but answers the ones it has (then goes silent).
   */
  onDrop(listener: (shardId: string, reason: DropReason) => void): () => void {
    this.dropListeners.add(listener);
    return () => this.dropListeners.delete(listener);
  }

  /** Called when a shard appears or leaves. */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Resolve once at least `count` shards are live, or reject after `timeoutMs`. */
  waitFor(count: number, timeoutMs: number): Promise<void> {
    if (this.candidates().length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (): void => {
        if (this.candidates().length < count) return;
        clearTimeout(timer);
        off();
        resolve();
      };
      // Every change has already reset the cached live list, so `candidates` recomputes.
      const off = this.onChange(done);
      const timer = setTimeout(() => {
        off();
        reject(new Error(`only ${this.candidates().length} of ${count} shards reported within ${timeoutMs} ms`));
      }, timeoutMs);
    });
  }

  close(): void {
    this.unsubscribe();
    clearInterval(this.sweeper);
    this.dropListeners.clear();
    this.changeListeners.clear();
  }

  private drop(shardId: string, reason: DropReason): void {
    this.view.forget(shardId);
    for (const l of this.dropListeners) l(shardId, reason);
  }

  private sweep(): void {
    const gone = expiredShards(this.reports, this.clock(), this.liveness);
    for (const id of gone) {
      this.reports.delete(id);
      this.drop(id, 'silent');
    }
    if (gone.length > 0) {
      this.aliveAt = Number.NEGATIVE_INFINITY;
      for (const l of this.changeListeners) l();
    }
  }
}
