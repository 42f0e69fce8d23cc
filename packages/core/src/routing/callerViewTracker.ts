// A caller's own per-shard state (in flight, recent errors, first seen, link delay), kept up to date as calls start and end.
import type { CallerView, LinkDelay } from './routingCall.js';

/**
 * Mutable, but pure in the sense of the core: no clock, every time is an argument.
 * Implements CallerView directly, so `chooseShard(…, tracker, …)` needs no copy per call.
 */
export class CallerViewTracker implements CallerView {
  readonly inFlight = new Map<string, number>();
  readonly recentErrors = new Map<string, number[]>();
  readonly firstSeen = new Map<string, number>();
  readonly linkDelay = new Map<string, LinkDelay>();

  /**
   * @param maxErrorsKept errors remembered per shard; older ones weigh almost nothing anyway.
   * @param linkWeight weight of a new link-delay sample in its EWMA.
   */
  constructor(
    private readonly maxErrorsKept = 16,
    private readonly linkWeight = 0.2,
  ) {}

  /** Note a shard's report arrived; the first call starts its slow start. */
  seen(shardId: string, now: number): void {
    if (!this.firstSeen.has(shardId)) this.firstSeen.set(shardId, now);
  }

  /** Forget a shard that stopped reporting, so it slow-starts again if it returns. */
  forget(shardId: string): void {
    this.firstSeen.delete(shardId);
    this.recentErrors.delete(shardId);
    this.linkDelay.delete(shardId);
    // In-flight counts stay: those calls still settle and call `finished`.
  }

  started(shardId: string): void {
    this.inFlight.set(shardId, (this.inFlight.get(shardId) ?? 0) + 1);
  }

  /** A call settled. `failed` means the shard misbehaved (crash, timeout, unreachable), not a domain rejection. */
  finished(shardId: string, failed: boolean, now: number): void {
    const n = (this.inFlight.get(shardId) ?? 0) - 1;
    if (n > 0) this.inFlight.set(shardId, n);
    else this.inFlight.delete(shardId);
    if (failed) this.failed(shardId, now);
  }

  /** Record an error not tied to an in-flight count (e.g. the request could not be sent). */
  failed(shardId: string, now: number): void {
    let list = this.recentErrors.get(shardId);
    if (list === undefined) this.recentErrors.set(shardId, (list = []));
    list.push(now);
    if (list.length > this.maxErrorsKept) list.shift();
  }

  /**
   * A reply came back `sampleMs` later than the shard's own service time accounts for. The EWMA
   * starts from its previous value decayed by age (see `decayedLinkDelayMs`), so a shard that was
   * avoided for a while is judged mostly on its newest reply.
   */
  linkSample(shardId: string, sampleMs: number, now: number, halfLifeMs: number): void {
    const sample = sampleMs > 0 ? sampleMs : 0;
    const prev = this.linkDelay.get(shardId);
    const base = prev === undefined ? sample : decayedLinkDelayMs(prev, now, halfLifeMs);
    this.linkDelay.set(shardId, { ms: base + this.linkWeight * (sample - base), at: now });
  }
}

/** A link-delay EWMA as of `now`: it halves every `halfLifeMs` without a new sample, so an avoided shard is tried again. */
export function decayedLinkDelayMs(d: LinkDelay | undefined, now: number, halfLifeMs: number): number {
  if (d === undefined) return 0;
  const age = now - d.at;
  return age <= 0 ? d.ms : d.ms * 2 ** (-age / halfLifeMs);
}
