// The firing loop's sleep: until a clock reading (at most a poll period), cut short by a wake-up, which is kept if none is sleeping.

export class WakeableSleep {
  private wakeUp: (() => void) | undefined;
  private woken = false;
  /** When the current sleep ends; infinity while awake. */
  private until = Number.POSITIVE_INFINITY;

  constructor(private readonly clock: () => number) {}

  /** The clock reading the loop plans to wake at (infinity while it is awake). */
  get plannedWakeAt(): number {
    return this.until;
  }

  /** Sleep until the clock reads `until`, or until woken; a wake-up that came while awake ends the next sleep at once. */
  sleep(until: number): Promise<void> {
    const ms = until - this.clock();
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    if (ms <= 0) return Promise.resolve();
    this.until = until;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = undefined;
        this.until = Number.POSITIVE_INFINITY;
        resolve();
      }, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        this.until = Number.POSITIVE_INFINITY;
        resolve();
      };
    });
  }

  wake(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    if (w) w();
    else this.woken = true;
  }
}
