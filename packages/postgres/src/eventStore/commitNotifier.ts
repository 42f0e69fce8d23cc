// Wakes subscribers after appends commit: in-process ones at once, other processes by one coalesced NOTIFY per tick.
/**
 * Appends no longer NOTIFY inside their transaction: PostgreSQL holds its notification queue lock
 * from the NOTIFY to the end of the commit, so every appending commit took its turn behind the
 * last one and none shared a WAL flush. Instead the store calls `committed()` after an append
 * returns. Subscriptions of this process are woken at once (no round trip); for other processes one
 * `pg_notify` is sent in a statement of its own, at most one in flight per store, covering every
 * append that returned in the meantime. NOTIFY gives that statement's transaction an id, so it
 * commits with `synchronous_commit` off: it holds the queue lock for microseconds and waits for no
 * WAL flush (a lost notice costs a subscriber one poll interval at most).
 */
/** Other processes' subscribers wait at most this much longer for a notice. */
const minIntervalMs = 1;
/**
 * How long a finding "no other process listens" is trusted. A process that starts listening is seen
 * by the next check after it; until then its subscriptions look by themselves every 25 ms for
 * `listenerStartupMs` (sqlEventStore.ts), which is longer than this, so none of its events waits for a poll.
 */
export const listenersCheckMaxAgeMs = 200;

export class CommitNotifier {
  private dirty = false;
  private lastSent = -Infinity;
  private running: Promise<void> | undefined;
  private listenersCheckedAt = -Infinity;
  private listenersElsewhere = true;

  constructor(
    /** Sends one notification to other processes; a failure is ignored (subscribers also poll). */
    private readonly send: () => Promise<void>,
    /** Wakes this process's own subscriptions. */
    private readonly wakeLocal: () => void,
    /**
     * Whether a session other than this store's own LISTEN connection may be listening (true when
     * unknown). Without it every notice is sent. A notice nobody receives cost append.single ~20% of
     * its p50 (a statement, a transaction id and a commit record on a 2-core server).
     */
    private readonly othersListening?: () => Promise<boolean>,
  ) {}

  committed(): void {
    this.wakeLocal();
    // Nobody elsewhere listened at the last check, and that finding is still trusted: nothing to send.
    if (!this.listenersElsewhere && performance.now() - this.listenersCheckedAt <= listenersCheckMaxAgeMs) return;
    this.dirty = true;
    this.running ??= this.run();
  }

  private async run(): Promise<void> {
    try {
      while (this.dirty) {
        // Let the appends returning meanwhile mark themselves first: they share one NOTIFY. At
        // least `minIntervalMs` between sends: with 16 writers a notice per append's round trip
        // took ~9% of append throughput (bench/probe figures in docs/event-store.md).
        const wait = this.lastSent + minIntervalMs - performance.now();
        await new Promise<void>((resolve) => (wait > 0 ? setTimeout(resolve, wait) : setImmediate(resolve)));
        this.dirty = false;
        if (this.othersListening !== undefined && performance.now() - this.listenersCheckedAt > listenersCheckMaxAgeMs) {
          // Taken when the check starts: a listener that appears later is covered by its own startup looks.
          this.listenersCheckedAt = performance.now();
          this.listenersElsewhere = await this.othersListening().catch(() => true);
        }
        if (!this.listenersElsewhere) continue;
        this.lastSent = performance.now();
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
