// Gathers the completions of finished timer runs and writes them to the store together, one statement per flush.
import type { Completion, TimerStore } from './timerStore.js';

interface Pending {
  readonly item: Completion;
  readonly resolve: (held: boolean) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Each completion is a commit, and with `synchronous_commit` on each commit waits for an fsync;
 * one UPDATE per timer made the fsync rate the ceiling of the firing rate. Here completions that
 * arrive while a flush is on its way wait for the next one, so under load a flush carries many
 * and when idle a lone completion still goes out at once. At most one flush runs at a time.
 */
export class CompletionBatcher {
  private queue: Pending[] = [];
  private flushing = false;
  private lastFlushAt = 0;

  constructor(
    private readonly store: TimerStore,
    private readonly clock: () => number,
    /**
     * Least time between the starts of two flushes (real time). A steady stream of firings then
     * costs one commit per gap instead of one per firing; completions are off the firing path,
     * so the gap delays only the bookkeeping. Zero (a virtual-clock test) flushes as soon as it can.
     */
    private readonly gapMs: () => number = () => 0,
    /** Largest number of completions per statement. */
    private readonly maxBatch = 500,
  ) {}

  /** Resolves to false when the claim was lost before the completion landed; rejects when the store failed. */
  complete(item: Completion): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        // Let completions of handlers that finished in the same turn join this flush.
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const wait = this.lastFlushAt + this.gapMs() - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      this.lastFlushAt = Date.now();
      const batch = this.queue.slice(0, this.maxBatch);
      this.queue = this.queue.slice(batch.length);
      try {
        const held = await this.store.completeMany(
          batch.map((p) => p.item),
          this.clock(),
        );
        batch.forEach((p, i) => p.resolve(held[i] === true));
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    }
    this.flushing = false;
  }
}
