// The claim loop: claims due timers for this node, one-off and cron timers up to a prefetch window ahead, while it has room for them.
import type { Logger } from '@lucent/core';
import type { HeldClaims } from './heldClaims.js';
import type { TimerStore } from './timerStore.js';
import { WakeableSleep } from './wakeableSleep.js';

export interface ClaimLoopOptions {
  readonly store: TimerStore;
  readonly nodeId: string;
  readonly clock: () => number;
  readonly leaseMs: number;
  /** Longest sleep between looks at the store. */
  readonly pollMs: number;
  /** Timers claimed per round trip. */
  readonly batchSize: number;
  /** How far ahead one-off and cron timers are claimed (0: only what is due). */
  readonly prefetchMs: number;
  readonly held: HeldClaims;
  readonly log: Logger;
}

export class ClaimLoop {
  private readonly sleeper: WakeableSleep;
  private running = false;
  private loop: Promise<void> | undefined;
  private draining: Promise<number> | undefined;

  constructor(private readonly options: ClaimLoopOptions) {
    this.sleeper = new WakeableSleep(options.clock);
  }

  /** True from `start` until `stop`. */
  get isRunning(): boolean {
    return this.running;
  }

  /** Start looping once `ready` settles (the store's watch is listening). */
  start(ready: Promise<unknown>): void {
    this.running = true;
    this.loop = this.run(ready);
  }

  /** Stop claiming; the returned promise settles when the loop has ended. */
  stop(): Promise<void> {
    this.running = false;
    this.wake();
    const loop = this.loop;
    this.loop = undefined;
    return loop ?? Promise.resolve();
  }

  /** Look at the store now: something may be due before the planned wake-up, or room came free. */
  wake(): void {
    this.sleeper.wake();
  }

  /** Another process armed (or matched) a timer due soon: wake if it is due before the planned wake-up. */
  announced(dueAt: number): void {
    if (dueAt - this.options.prefetchMs / 2 < this.sleeper.plannedWakeAt) this.wake();
  }

  /** Claim and fire every timer due now, until none is left, and wait for them; returns how many fired. */
  runDue(): Promise<number> {
    // Concurrent callers share one drain so two manual calls never interleave claims.
    if (this.draining) return this.draining;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  private async drain(): Promise<number> {
    const { store, nodeId, clock, leaseMs, batchSize, held } = this.options;
    let fired = 0;
    for (;;) {
      const claims = await store.claimDue(nodeId, clock(), leaseMs, batchSize);
      if (claims.length === 0) return fired;
      await Promise.all(claims.map((c) => held.hold(c, false)));
      fired += claims.length;
      if (claims.length < batchSize) return fired;
    }
  }

  /**
   * The firing loop. Claims never wait for handlers or their completions (those are written in
   * batches beside it), and one-off and cron timers are claimed up to `prefetchMs` ahead and
   * fired from memory at their due time, so the claim's commit is off the firing path. It wakes
   * half a prefetch window before the next due time, so each claim carries that much work.
   */
  private async run(ready: Promise<unknown>): Promise<void> {
    const { store, nodeId, clock, leaseMs, batchSize, prefetchMs, pollMs, held, log } = this.options;
    // Claim nothing ahead before listening: a cancellation announced meanwhile would be missed.
    await ready;
    while (this.running) {
      const now = clock();
      const room = held.room;
      let claimed = 0;
      if (room >= held.minRoom) {
        try {
          const limit = Math.min(batchSize, room);
          const claims = await store.claimDue(nodeId, now, leaseMs, limit, { prefetchUntil: now + prefetchMs });
          for (const c of claims) void held.hold(c, true);
          claimed = claims.length;
          if (claimed === limit) continue;
        } catch (error) {
          log.error('scheduler could not claim due timers; retrying', { error: String(error) });
        }
      }
      if (!this.running) break;
      let wakeAt = now + pollMs;
      if (room >= held.minRoom) {
        try {
          const next = await store.nextDueAt();
          if (next !== undefined) {
            // A timer the last claim could have taken early but did not is a wait or a condition
            // (never prefetched): wake exactly at its due time, not in a tight loop before it.
            const early = next - prefetchMs / 2;
            wakeAt = Math.min(wakeAt, early > now ? early : next);
          }
        } catch {
          // The claim above reports store trouble; here the poll period is a safe default.
        }
      }
      await this.sleeper.sleep(wakeAt);
    }
  }
}
