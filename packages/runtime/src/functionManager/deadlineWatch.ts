// Deadlines of in-flight async calls, watched by one shared timer: a timer (or even a clock read) per call cost more than the call.

/** A call the watch looks after until it settles or its deadline passes. */
export interface WatchedCall {
  /**
   * Wall-clock epoch ms (Date.now) after which the call has expired; NaN while only its budget is
   * known, and then set by the watch at its next turn to that turn's time + `budgetMs`.
   */
  expiresAt: number;
  readonly budgetMs: number;
  /** True once the call settled; the watch then forgets it at its next sweep or compaction. */
  readonly settled: boolean;
  /** Called at most once, after `expiresAt`, if the call had not settled by then. */
  expire(): void;
}

// Settled calls are dropped when the list doubles, so a busy loop keeps it short at O(1) amortised cost.
const minCompactLength = 64;

/**
 * A call given only a budget is timed from the watch's next turn of the event loop rather than
 * from the call itself: no clock read per call, and never early. It can be late by the rest of
 * the task that made the call, which is also the soonest any timer could have fired.
 */
export class DeadlineWatch {
  private calls: WatchedCall[] = [];
  private compactAt = minCompactLength;
  private timer: ReturnType<typeof setTimeout> | undefined = undefined;
  private armedFor = Number.POSITIVE_INFINITY;

  watch(call: WatchedCall): void {
    if (this.calls.length >= this.compactAt) this.compact();
    this.calls.push(call);
    // A budget to stamp needs the next turn (armedFor 0); a known expiry only an earlier timer.
    if (Number.isNaN(call.expiresAt)) {
      if (this.armedFor !== 0) this.arm(0);
    } else if (call.expiresAt < this.armedFor) this.arm(call.expiresAt);
  }

  private compact(): void {
    const calls = this.calls;
    let kept = 0;
    for (let i = 0; i < calls.length; i++) {
      const c = calls[i] as WatchedCall;
      if (!c.settled) calls[kept++] = c;
    }
    calls.length = kept;
    this.compactAt = Math.max(minCompactLength, kept * 2);
  }

  private arm(at: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.armedFor = at;
    this.timer = setTimeout(this.sweep, at === 0 ? 0 : Math.max(0, at - Date.now()));
    // A pending call keeps the process alive through whatever it waits on, not through its deadline.
    this.timer.unref();
  }

  private readonly sweep = (): void => {
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    const now = Date.now();
    const due: WatchedCall[] = [];
    const kept: WatchedCall[] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const c of this.calls) {
      if (c.settled) continue;
      if (Number.isNaN(c.expiresAt)) c.expiresAt = now + c.budgetMs;
      if (c.expiresAt <= now) due.push(c);
      else {
        kept.push(c);
        if (c.expiresAt < next) next = c.expiresAt;
      }
    }
    this.calls = kept;
    this.compactAt = Math.max(minCompactLength, kept.length * 2);
    if (next !== Number.POSITIVE_INFINITY) this.arm(next);
    for (const c of due) c.expire();
  };
}
