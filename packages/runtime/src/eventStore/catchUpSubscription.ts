// The subscription loop every store shares: catch up from a checkpoint, then wait for a wake-up or a poll tick.
import { LucentError } from '@lucent/core';
import type { ReadAllOptions, StoredEvent, SubscribeOptions, Subscription } from './eventStore.js';

/** What the loop needs from a store. */
export interface SubscriptionSource {
  readAll(options: ReadAllOptions): Promise<StoredEvent[]>;
  loadCheckpoint(subscriberId: string): Promise<number>;
  saveCheckpoint(subscriberId: string, position: number): Promise<void>;
}

/** Registers a wake-up callback (fired when events may have been appended); returns an unregister function. */
export type WakeSource = (wake: () => void) => () => void;

/**
 * After a failed read or handler the loop waits the poll interval, doubling with each failure in a row up
 * to this (or the poll interval when longer). Wake-ups do not cut the wait short: they say events may have
 * been appended, not that the store or handler that failed will answer, and while PostgreSQL restarted a
 * subscription woken by every refused command's notice retried (and logged) about 40 times a second.
 */
const maxFailureBackoffMs = 2_000;

/** How long to wait after the `failures`-th failure in a row. */
function failureBackoffMs(pollMs: number, failures: number): number {
  return Math.min(pollMs * 2 ** Math.min(failures - 1, 20), Math.max(pollMs, maxFailureBackoffMs));
}

interface Waiter {
  readonly position: number;
  readonly resolve: () => void;
}

export class CatchUpSubscription implements Subscription {
  private current = 0;
  private stopped = false;
  private woken = false;
  private sleeper: (() => void) | undefined;
  /** Ends a failure backoff early; only stop() calls it. */
  private interruptBackoff: (() => void) | undefined;
  private waiters: Waiter[] = [];
  private readonly loop: Promise<void>;
  private readonly unregister: () => void;

  constructor(
    private readonly source: SubscriptionSource,
    private readonly options: SubscribeOptions,
    wakeSource: WakeSource,
  ) {
    this.unregister = wakeSource(() => this.wake());
    this.loop = this.run();
  }

  get position(): number {
    return this.current;
  }

  private wake(): void {
    this.woken = true;
    const s = this.sleeper;
    this.sleeper = undefined;
    s?.();
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken || this.stopped) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleeper = undefined;
        resolve();
      }, ms);
      this.sleeper = () => {
        clearTimeout(timer);
        this.woken = false;
        resolve();
      };
    });
  }

  private backOff(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.interruptBackoff = undefined;
        resolve();
      }, ms);
      this.interruptBackoff = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async start(): Promise<number> {
    const after = this.options.after ?? 0;
    const id = this.options.subscriberId;
    if (id === undefined) return after;
    return Math.max(after, await this.source.loadCheckpoint(id));
  }

  private async run(): Promise<void> {
    const poll = this.options.pollIntervalMs ?? 1_000;
    const batchSize = this.options.batchSize ?? 500;
    let started = false;
    let failures = 0;
    while (!this.stopped) {
      try {
        if (!started) {
          this.current = await this.start();
          started = true;
          this.release();
        }
        // Clear the flag before reading: a wake that lands during the read makes the next sleep return at once.
        this.woken = false;
        const batch = await this.source.readAll({ after: this.current, maxCount: batchSize });
        if (this.stopped) break;
        if (batch.length === 0) {
          failures = 0;
          await this.sleep(poll);
          continue;
        }
        await this.options.handler(batch);
        failures = 0;
        const last = (batch[batch.length - 1] as StoredEvent).globalPosition;
        // Delivered: this subscription never hands these events out again, even if the checkpoint
        // cannot be saved now (the server is away); the next batch's save covers them.
        this.current = last;
        if (this.options.subscriberId !== undefined) {
          try {
            await this.source.saveCheckpoint(this.options.subscriberId, last);
          } catch (error) {
            if (this.stopped) break;
            this.options.onError?.(error);
          }
        }
        this.release();
      } catch (error) {
        if (this.stopped) break;
        this.options.onError?.(error);
        await this.backOff(failureBackoffMs(poll, ++failures));
      }
    }
  }

  private release(): void {
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.position <= this.current) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  waitFor(position: number, timeoutMs = 10_000): Promise<void> {
    if (position <= this.current) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new LucentError('DEADLINE_EXCEEDED', `Subscription did not reach position ${position} within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        position,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unregister();
    this.wake();
    this.interruptBackoff?.();
    await this.loop;
  }
}
