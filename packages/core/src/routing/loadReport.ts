// LoadReport: what a shard tells every caller about itself about once a second, and how two reports of one shard order.
import type { ResourceClass } from '../functions/defineFunction.js';

/** One function as a shard hosts it, with its recent behaviour there. */
export interface HostedFunctionLoad {
  /** Versions this shard can run. */
  readonly versions: readonly string[];
  /** False when an operator disabled the function on this shard. */
  readonly enabled: boolean;
  /** Exponentially weighted moving average of this function's run time here, ms; absent until it has run. */
  readonly latencyEwmaMs?: number;
  /** Calls finished since the previous report. */
  readonly calls?: number;
  /** Of those, calls that failed (not domain rejections: crashes, timeouts). */
  readonly errors?: number;
}

/** A shard's self-description. Plain JSON: it crosses the wire as it is. */
export interface LoadReport {
  readonly shardId: string;
  /** Placement tags such as 'aave', 'arbitrage', 'whale'. */
  readonly tags: readonly string[];
  /** Function name → how it is hosted here. */
  readonly functions: Readonly<Record<string, HostedFunctionLoad>>;
  /** Process CPU use over the last interval, 0..1 of one core's worth per core the shard may use. */
  readonly cpu: number;
  readonly memoryMb: number;
  /** Heap or RSS against its limit, 0..1. */
  readonly memoryFraction: number;
  /** Event-loop delay, ms (p99 or mean over the interval; the shard says which in its docs). */
  readonly eventLoopLagMs: number;
  /** Calls running on the shard now, from all callers. */
  readonly inFlight: number;
  /** The largest resource class this shard accepts; any call fits when absent. */
  readonly capacity?: ResourceClass;
  /** Counts up by one per report; restarts at 0 with the process (see `startedAt`). */
  readonly sequence: number;
  /** The sender's clock (epoch ms) when the report was sent. */
  readonly sentAt: number;
  /** When the shard process started (epoch ms): tells a restart from a reordered packet. */
  readonly startedAt: number;
  /** The sender's nominal report interval, ms; liveness uses it when present. */
  readonly intervalMs?: number;
  /** The shard is shutting down: alive, still finishing calls, but takes no new ones. */
  readonly draining?: boolean;
  /**
   * Stamped by the receiver with its own clock on arrival. Liveness prefers it to `sentAt`
   * because machines' clocks disagree; a report never carries it on the wire.
   */
  readonly receivedAt?: number;
}

/**
 * Whether `incoming` should replace `held` for the same shard: a newer process wins, and
 * within one process a higher sequence wins, so a late, reordered report never rolls back state.
 */
export function isNewerReport(held: LoadReport | undefined, incoming: LoadReport): boolean {
  if (held === undefined) return true;
  if (incoming.startedAt !== held.startedAt) return incoming.startedAt > held.startedAt;
  return incoming.sequence > held.sequence;
}
