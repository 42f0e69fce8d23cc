// One circuit breaker per shard: after repeated transport failures a shard gets no calls until a trial one succeeds.
// Not cockatiel: its breaker only runs work through an async `execute`, one extra promise per
// remote call on the hottest path (measured: a closed circuit here costs one map lookup). The
// state machine is three states and a counter; a library breaker fits where calls are wrapped anyway.

export interface BreakerOptions {
  /** Consecutive transport failures (no reply, unreachable) that open a shard's circuit. */
  readonly failures?: number;
  /** How long an open circuit stays open before one trial call may pass, ms. */
  readonly halfOpenAfterMs?: number;
}

const none: readonly string[] = Object.freeze([]);

const enum State {
  Closed,
  Open,
  /** Open past its cool-down with one trial call under way; every other call is refused until it settles. */
  HalfOpen,
}

interface Entry {
  state: State;
  failures: number;
  openedAt: number;
}

/**
 * A consecutive-failures breaker, written out rather than wrapping each call in a policy object:
 * this runs on every remote call, and a closed circuit (almost every call) now costs one field
 * read before and one write after, no extra promise. Only transport failures count; a function's
 * own error is an answer, and says the shard is up.
 */
export class ShardBreakers {
  private readonly byShard = new Map<string, Entry>();
  private readonly failures: number;
  private readonly halfOpenAfterMs: number;
  /** Circuits not closed; while 0 (almost always) `blocked` answers without looking at any shard. */
  private notClosed = 0;

  constructor(options: BreakerOptions = {}) {
    this.failures = options.failures ?? 5;
    this.halfOpenAfterMs = options.halfOpenAfterMs ?? 2_000;
  }

  /**
   * Whether a call may go to the shard now. An open circuit past its cool-down admits this one
   * call as its trial (half-open) and refuses the rest until `succeeded` or `failed` settles it.
   */
  admit(shardId: string, now: number): boolean {
    const entry = this.byShard.get(shardId);
    if (entry === undefined || entry.state === State.Closed) return true;
    if (entry.state === State.Open && now - entry.openedAt >= this.halfOpenAfterMs) {
      entry.state = State.HalfOpen;
      return true;
    }
    return false;
  }

  /** The shard answered (with a result or a function's error). */
  succeeded(shardId: string): void {
    const entry = this.byShard.get(shardId);
    if (entry === undefined) return;
    if (entry.state !== State.Closed) this.notClosed--;
    this.byShard.delete(shardId);
  }

  /** The shard did not answer (timeout, unreachable). */
  failed(shardId: string, now: number): void {
    let entry = this.byShard.get(shardId);
    if (entry === undefined) this.byShard.set(shardId, (entry = { state: State.Closed, failures: 0, openedAt: 0 }));
    entry.failures++;
    if (entry.state === State.HalfOpen || (entry.state === State.Closed && entry.failures >= this.failures)) {
      if (entry.state === State.Closed) this.notClosed++;
      entry.state = State.Open;
      entry.openedAt = now;
    }
  }

  /**
   * Whether routing should skip the shard now: open and still cooling down, or half-open with its
   * one trial call under way. An open circuit past its cool-down is offered again, so that a call
   * can be its trial.
   */
  blocks(shardId: string, now: number): boolean {
    const entry = this.byShard.get(shardId);
    if (entry === undefined || entry.state === State.Closed) return false;
    return entry.state === State.HalfOpen || now - entry.openedAt < this.halfOpenAfterMs;
  }

  /** Ids of the shards whose circuits block them now (one shared empty list when none, as on almost every call). */
  blocked(now: number): readonly string[] {
    if (this.notClosed === 0) return none;
    let out: string[] | undefined;
    for (const id of this.byShard.keys()) if (this.blocks(id, now)) (out ??= []).push(id);
    return out ?? none;
  }

  /** Every circuit not closed, with its state; shards absent from the list are closed. */
  states(): { readonly shard: string; readonly state: 'open' | 'half-open' }[] {
    const out: { shard: string; state: 'open' | 'half-open' }[] = [];
    for (const [shard, entry] of this.byShard) {
      if (entry.state !== State.Closed) out.push({ shard, state: entry.state === State.Open ? 'open' : 'half-open' });
    }
    return out;
  }

  forget(shardId: string): void {
    const entry = this.byShard.get(shardId);
    if (entry !== undefined && entry.state !== State.Closed) this.notClosed--;
    this.byShard.delete(shardId);
  }
}
