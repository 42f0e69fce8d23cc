// Wakes subscribers after appends commit: in-process ones at once, other processes by one coalesced NOTIFY per tick.
/**
 * Appends no longer NOTIFY inside their transaction: PostgreSQL holds its notification queue lock
 * from the NOTIFY to the end of the commit, so every appending commit took its turn behind the
 * last one and none shared a WAL flush. Instead the store calls `committed()` after an append
 * returns. Subscriptions of this process are woken at once (no round trip); for other processes one
 * `pg_notify` is sent in a statement of its own, at most one in flight per store, covering every
 * append that returned in the meantime. That statement's transaction writes nothing, so its commit
 * needs no WAL flush and holds the queue lock only for microseconds.
 */
export class CommitNotifier {
  private dirty = false;
  private running: Promise<void> | undefined;

  constructor(
    /** Sends one notification to other processes; a failure is ignored (subscribers also poll). */
    private readonly send: () => Promise<void>,
    /** Wakes this process's own subscriptions. */
    private readonly wakeLocal: () => void,
  ) {}

  committed(): void {
    this.wakeLocal();
    this.dirty = true;
    this.running ??= this.run();
  }

  private async run(): Promise<void> {
    try {
      while (this.dirty) {
        // Let the appends returning in this tick mark themselves first: they share one NOTIFY.
        await new Promise<void>((resolve) => setImmediate(resolve));
        this.dirty = false;
        await this.send().catch(() => undefined);
      }
    } finally {
      this.running = undefined;
    }
  }

  /** Resolves when the notification in flight (if any) has been sent. */
  async drain(): Promise<void> {
    await this.running;
  }
}
