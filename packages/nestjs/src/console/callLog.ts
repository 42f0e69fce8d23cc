// The console's record of recent calls: a bounded ring buffer of what this process called or routed, with per-version rates read from it.

/** One call as the console shows it (GET /console/api/calls, `event: call` on /console/api/live). */
export interface CallRecord {
  /** When the call started, ISO 8601. */
  readonly at: string;
  readonly function: string;
  /** The version that answered, or the one the registry selects for this caller when the call failed; null when none could be named. */
  readonly version: string | null;
  /** The shard that answered (`local` or `gateway` for this process); null when the call failed before or without an answer naming one. */
  readonly shard: string | null;
  readonly outcome: 'ok' | 'error';
  readonly code: string | null;
  readonly message: string | null;
  readonly correlationId: string;
  readonly traceId: string | null;
  readonly user: string | null;
  readonly durationMs: number;
}

export interface CallFilter {
  readonly function?: string;
  readonly code?: string;
  readonly user?: string;
  readonly outcome?: 'ok' | 'error';
}

/** Calls per second, share of errors and p99 of one function version over the calls the log still holds. */
export interface VersionRates {
  readonly callsPerSec: number;
  readonly errorRate: number;
  readonly p99Ms: number | null;
}

export interface CallLogOptions {
  /** Records kept (default 1,000); the oldest is overwritten. */
  readonly capacity?: number;
  /** Window the rates are taken over, ms (default 60 s). */
  readonly rateWindowMs?: number;
  readonly clock?: () => number;
}

type Listener = (record: CallRecord) => void;

/** p99 by nearest rank: with fewer than 100 samples it is the largest. */
export function p99(sorted: readonly number[]): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)]!;
}

export class CallLog {
  readonly capacity: number;
  /** Calls started through the recording invoker and not settled yet. */
  inFlight = 0;
  private readonly buffer: (CallRecord | undefined)[];
  /** Start time (epoch ms) of each record, beside it: rates need numbers, not ISO strings. */
  private readonly startedAt: number[];
  private next = 0;
  private size = 0;
  private readonly listeners = new Set<Listener>();
  private readonly windowMs: number;
  readonly clock: () => number;
  /** When the log was made: a rate over a window longer than its life would be diluted by time nothing could be recorded in. */
  private readonly since: number;

  constructor(options: CallLogOptions = {}) {
    this.capacity = options.capacity ?? 1_000;
    if (!Number.isInteger(this.capacity) || this.capacity < 1) throw new TypeError('CallLog capacity must be a positive integer');
    this.buffer = new Array<CallRecord | undefined>(this.capacity);
    this.startedAt = new Array<number>(this.capacity).fill(0);
    this.windowMs = options.rateWindowMs ?? 60_000;
    this.clock = options.clock ?? Date.now;
    this.since = this.clock();
  }

  add(record: CallRecord, startedAt = Date.parse(record.at)): void {
    this.buffer[this.next] = record;
    this.startedAt[this.next] = startedAt;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
    for (const listener of this.listeners) {
      try {
        listener(record);
      } catch {
        // A listener (a live stream) that fails must not fail the call that was recorded.
      }
    }
  }

  /** Told of every record as it is added; returns the unsubscribe. */
  onCall(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Newest first, those matching every field of `filter`, at most `limit`. */
  recent(filter: CallFilter = {}, limit = this.capacity): CallRecord[] {
    const out: CallRecord[] = [];
    for (let i = 1; i <= this.size && out.length < limit; i++) {
      const r = this.buffer[(this.next - i + this.capacity) % this.capacity]!;
      if (filter.function !== undefined && r.function !== filter.function) continue;
      if (filter.code !== undefined && r.code !== filter.code) continue;
      if (filter.user !== undefined && r.user !== filter.user) continue;
      if (filter.outcome !== undefined && r.outcome !== filter.outcome) continue;
      out.push(r);
    }
    return out;
  }

  /** Calls per second over the window (or over what the buffer still covers, when it wrapped within it). */
  callsPerSec(now = this.clock()): number {
    const { count, seconds } = this.window(now, () => true);
    return seconds > 0 ? round(count / seconds) : 0;
  }

  /** Rates of each `function` → `version` seen in the window. */
  rates(now = this.clock()): Map<string, Map<string, VersionRates>> {
    const groups = new Map<string, Map<string, { durations: number[]; errors: number }>>();
    const { seconds } = this.window(now, (r) => {
      if (r.version === null) return;
      let byVersion = groups.get(r.function);
      if (byVersion === undefined) groups.set(r.function, (byVersion = new Map()));
      let g = byVersion.get(r.version);
      if (g === undefined) byVersion.set(r.version, (g = { durations: [], errors: 0 }));
      g.durations.push(r.durationMs);
      if (r.outcome === 'error') g.errors++;
    });
    const out = new Map<string, Map<string, VersionRates>>();
    for (const [name, byVersion] of groups) {
      const rates = new Map<string, VersionRates>();
      for (const [version, g] of byVersion) {
        g.durations.sort((a, b) => a - b);
        rates.set(version, {
          callsPerSec: seconds > 0 ? round(g.durations.length / seconds) : 0,
          errorRate: round(g.errors / g.durations.length),
          p99Ms: p99(g.durations),
        });
      }
      out.set(name, rates);
    }
    return out;
  }

  /**
   * Visit the records of the window; `seconds` is the window (or the log's life, when shorter), or
   * the span the buffer still holds when it has wrapped within it (a busy process), so a rate is
   * never diluted by calls it forgot.
   */
  private window(now: number, visit: (record: CallRecord) => void): { count: number; seconds: number } {
    const span = Math.max(1_000, Math.min(this.windowMs, now - this.since));
    const from = now - span;
    let count = 0;
    let oldest = now;
    for (let i = 1; i <= this.size; i++) {
      const at = (this.next - i + this.capacity) % this.capacity;
      const t = this.startedAt[at]!;
      if (t < from) return { count, seconds: span / 1_000 };
      visit(this.buffer[at]!);
      count++;
      oldest = t;
    }
    const wrapped = this.size === this.capacity;
    return { count, seconds: wrapped ? Math.max(1, now - oldest) / 1_000 : span / 1_000 };
  }
}

const round = (n: number): number => Math.round(n * 1_000) / 1_000;
