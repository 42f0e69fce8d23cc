// The claims this node holds, and its handler slots: a claim waits for its due time (claimed ahead), then for a free slot, then runs.
import type { ClaimedTimer } from './timerStore.js';

/** A claim this node holds: waiting for its due time (prefetched) or running. */
interface Held {
  readonly claim: ClaimedTimer;
  timer: NodeJS.Timeout | undefined;
  run: Promise<void> | undefined;
}

export interface HeldClaimsOptions {
  /** Handlers running at once. */
  readonly maxInFlight: number;
  /** Timers claimed per round trip: the node holds at most one batch on top of its slots. */
  readonly batchSize: number;
  readonly clock: () => number;
  /** Runs a claim's handler and finishes it; never rejects. */
  readonly fire: (claim: ClaimedTimer) => Promise<void>;
  /** Told when the claim loop may want to claim again: room came free, or a waiting claim was dropped. */
  readonly roomFreed: () => void;
}

export class HeldClaims {
  /** Claims held, by claim token: claimed ahead, waiting for a slot, or running. */
  private readonly held = new Map<string, Held>();
  private readonly maxHeld: number;
  /** The loop claims again once at least this much room is free, so it never claims one timer at a time. */
  readonly minRoom: number;
  private runningCount = 0;
  /** Due runs waiting for a handler slot, in due order. */
  private readonly waitingForSlot: (() => void)[] = [];

  constructor(private readonly options: HeldClaimsOptions) {
    this.maxHeld = options.maxInFlight + options.batchSize;
    this.minRoom = Math.max(1, Math.floor(options.batchSize / 4));
  }

  /** How many more claims this node may take. */
  get room(): number {
    return this.maxHeld - this.held.size;
  }

  get size(): number {
    return this.held.size;
  }

  /** The claims held now, in the order they were taken. */
  claims(): ClaimedTimer[] {
    return [...this.held.values()].map((h) => h.claim);
  }

  /** True while the claim with this token is running its handler. */
  isRunning(claimToken: string): boolean {
    return this.held.get(claimToken)?.run !== undefined;
  }

  /** Keep a claim until it has run: fire it at its due time (at once when `defer` is false or it is due). */
  hold(claim: ClaimedTimer, defer: boolean): Promise<void> {
    const h: Held = { claim, timer: undefined, run: undefined };
    this.held.set(claim.claimToken, h);
    return new Promise((resolve) => {
      const start = (): void => {
        h.timer = undefined;
        if (!this.held.has(claim.claimToken)) {
          // Dropped (cancelled or given back) while it waited: pass its turn on.
          if (this.runningCount < this.options.maxInFlight) this.waitingForSlot.shift()?.();
          return resolve();
        }
        if (this.runningCount >= this.options.maxInFlight) {
          this.waitingForSlot.push(start);
          return;
        }
        this.runningCount++;
        h.run = this.options.fire(claim).finally(() => {
          this.runningCount--;
          this.held.delete(claim.claimToken);
          this.waitingForSlot.shift()?.();
          // The loop may be waiting for room.
          if (this.maxHeld - this.held.size === this.minRoom) this.options.roomFreed();
        });
        void h.run.then(resolve);
      };
      // A timer may wake a little before the clock reads its due time (Node rounds timer delays, and the
      // clock may be a different source): look again and sleep the rest, so nothing fires early. The
      // last 2 ms are waited in turns of the event loop, not with a timer: a timer's shortest sleep is
      // a whole millisecond and more, which put timer.lag's p50 at 1.49x the bare setTimeout floor
      // (0.86 ms against 0.58 ms; 1.02-1.04x before the check); `--filter timer.lag` in bench.
      // Turns are spent for at most 3 ms of real time: a clock that does not move (a test's) falls back to timers.
      let turnsUntil = 0;
      const startWhenDue = (): void => {
        h.timer = undefined;
        const delay = claim.dueAt - this.options.clock();
        if (delay <= 0) return start();
        const now = performance.now();
        if (delay <= 2 && turnsUntil === 0) turnsUntil = now + 3;
        if (delay <= 2 && now < turnsUntil) setImmediate(startWhenDue);
        else h.timer = setTimeout(startWhenDue, delay);
      };
      if (!defer || claim.reason !== 'due') start();
      else startWhenDue();
    });
  }

  /** Forget held claims that were cancelled before they fired (a running handler is not interrupted). */
  drop(which: (claim: ClaimedTimer) => boolean): void {
    let dropped = false;
    for (const [token, h] of this.held) {
      if (h.run !== undefined || !which(h.claim)) continue;
      clearTimeout(h.timer);
      this.held.delete(token);
      dropped = true;
    }
    // The loop may be waiting for room.
    if (dropped) this.options.roomFreed();
  }

  /** Forget every claim not yet running and return them, to be given back to the store. */
  takeUnfired(): ClaimedTimer[] {
    const unfired = [...this.held.values()].filter((h) => h.run === undefined);
    for (const h of unfired) {
      clearTimeout(h.timer);
      this.held.delete(h.claim.claimToken);
    }
    return unfired.map((h) => h.claim);
  }

  /** Resolves once every running handler has finished. */
  async settled(): Promise<void> {
    await Promise.all([...this.held.values()].map((h) => h.run));
  }
}
