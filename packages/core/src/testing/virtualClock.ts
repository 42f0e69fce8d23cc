// A clock tests move by hand: timers fire in time order when `advance` passes them, so a 10-minute timeout takes milliseconds.

interface VirtualTimer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/**
 * Time is a number that only `advance`/`advanceTo` move. Timers armed at an absolute time fire
 * in (time, arming) order; after each firing the optional `settle` lets the async work it started
 * finish (and arm further timers) before the clock moves on, as a real event loop would.
 */
export class VirtualClock {
  private current: number;
  private sequence = 0;
  private timers: VirtualTimer[] = [];

  constructor(start = 0) {
    this.current = start;
  }

  /** The reading, as a bound function so it can be handed over as `clock`. */
  readonly now = (): number => this.current;

  /** Arm `fn` at absolute time `at` (in the past: fires on the next advance). Returns an id for clearTimer. */
  setTimer(at: number, fn: () => void): number {
    const timer = { id: ++this.sequence, at, fn };
    // Insert keeping (at, id) order; the list is short in tests and appends dominate.
    let i = this.timers.length;
    while (i > 0 && (this.timers[i - 1] as VirtualTimer).at > at) i--;
    this.timers.splice(i, 0, timer);
    return timer.id;
  }

  clearTimer(id: number): void {
    this.timers = this.timers.filter((t) => t.id !== id);
  }

  /** Timers not fired yet. */
  get pending(): number {
    return this.timers.length;
  }

  /** When the next timer is due, undefined when none is armed. */
  nextAt(): number | undefined {
    return this.timers[0]?.at;
  }

  /** Move forward by `ms`, firing every timer due on the way. */
  advance(ms: number, settle?: () => Promise<void>): Promise<void> {
    return this.advanceTo(this.current + ms, settle);
  }

  async advanceTo(time: number, settle?: () => Promise<void>): Promise<void> {
    if (settle) await settle();
    for (;;) {
      const next = this.timers[0];
      if (next === undefined || next.at > time) break;
      this.timers.shift();
      if (next.at > this.current) this.current = next.at;
      next.fn();
      if (settle) await settle();
    }
    if (time > this.current) this.current = time;
  }
}
