// One cockatiel circuit breaker per shard: after repeated transport failures a shard gets no calls until a trial one succeeds.
import { CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import { isTransportFailure } from '../transport/wireErrors.js';

export interface BreakerOptions {
  /** Consecutive transport failures (no reply, unreachable) that open a shard's circuit. */
  readonly failures?: number;
  /** How long an open circuit stays open before one trial call may pass, ms. */
  readonly halfOpenAfterMs?: number;
}

const none: readonly string[] = Object.freeze([]);

interface Entry {
  readonly policy: CircuitBreakerPolicy;
  openedAt: number;
}

export class ShardBreakers {
  private readonly byShard = new Map<string, Entry>();
  private readonly failures: number;
  private readonly halfOpenAfterMs: number;

  constructor(
    options: BreakerOptions = {},
    private readonly clock: () => number = Date.now,
  ) {
    this.failures = options.failures ?? 5;
    this.halfOpenAfterMs = options.halfOpenAfterMs ?? 2_000;
  }

  /** The shard's breaker; only transport failures count, a function's own error says nothing about the shard. */
  get(shardId: string): CircuitBreakerPolicy {
    let entry = this.byShard.get(shardId);
    if (entry === undefined) {
      const policy = circuitBreaker(handleWhen(isTransportFailure), {
        halfOpenAfter: this.halfOpenAfterMs,
        breaker: new ConsecutiveBreaker(this.failures),
      });
      const e: Entry = { policy, openedAt: 0 };
      policy.onBreak(() => (e.openedAt = this.clock()));
      this.byShard.set(shardId, (entry = e));
    }
    return entry.policy;
  }

  /**
   * Whether routing should skip the shard now: open and still cooling down, or half-open with its
   * one trial call under way. An open circuit past its cool-down is offered again, since cockatiel
   * only moves to half-open when a call is attempted.
   */
  blocks(shardId: string, now: number): boolean {
    const entry = this.byShard.get(shardId);
    if (entry === undefined) return false;
    const state = entry.policy.state;
    if (state === CircuitState.HalfOpen || state === CircuitState.Isolated) return true;
    return state === CircuitState.Open && now - entry.openedAt < this.halfOpenAfterMs;
  }

  /** Ids of the shards whose circuits block them now (one shared empty list when none, as on almost every call). */
  blocked(now: number): readonly string[] {
    let out: string[] | undefined;
    for (const id of this.byShard.keys()) if (this.blocks(id, now)) (out ??= []).push(id);
    return out ?? none;
  }

  forget(shardId: string): void {
    this.byShard.delete(shardId);
  }
}
