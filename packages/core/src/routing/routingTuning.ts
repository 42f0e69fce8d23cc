// The routing policy's knobs, with defaults chosen from the simulator's runs (docs/routing.md).
import type { Priority } from '../functions/defineFunction.js';

export interface RoutingTuning {
  /** Shards sampled per call by priority: power of two choices, more for urgent calls. */
  readonly choices: Readonly<Record<Priority, number>>;
  /** A shard reporting more event-loop lag than this (ms) is overloaded. */
  readonly maxEventLoopLagMs: number;
  /** A shard reporting more CPU than this (0..1) is overloaded. */
  readonly maxCpu: number;
  /** A shard reporting more memory than this (0..1) is overloaded. */
  readonly maxMemoryFraction: number;
  /** When every eligible shard is overloaded: 'route' among them anyway, or 'deny'. */
  readonly whenAllOverloaded: 'route' | 'deny';
  /**
   * Shards whose latency EWMA is within this factor of the median count as equally fast.
   * EWMAs of noisy service times differ by ~20% at random; without a dead band every caller
   * would prefer the same momentarily-fastest shard for a whole report interval (herding).
   */
  readonly latencyTolerance: number;
  /** Latency assumed for a function no shard has reported yet, ms. */
  readonly defaultLatencyMs: number;
  /** Weight of one fresh error in the score's multiplier (1 + weight × decayed error count). */
  readonly errorWeight: number;
  /** An error's weight halves every this many ms. */
  readonly errorHalfLifeMs: number;
  /** Errors older than this many half-lives are ignored. */
  readonly errorHorizonHalfLives: number;
  /** How much a shard's own reported error rate (0..1) adds to the multiplier. */
  readonly reportedErrorWeight: number;
  /** A shard first seen less than this long ago gets a share ramping up from `slowStartMinWeight`. */
  readonly slowStartMs: number;
  readonly slowStartMinWeight: number;
  /** A caller's link-delay estimate for a shard halves every this many ms without a new reply from it. */
  readonly linkHalfLifeMs: number;
  /**
   * A shard's link delay above the eligible shards' median counts in its score only beyond this
   * many ms (or beyond the latency tolerance of the median, if larger): jitter of a millisecond
   * between healthy links must not herd callers.
   */
  readonly linkMinExtraMs: number;
  /** Tags the function prefers: 'prefer' falls back to other shards, 'require' denies without them. */
  readonly affinity: 'prefer' | 'require';
}

export const defaultRoutingTuning: RoutingTuning = Object.freeze({
  choices: Object.freeze({ low: 2, normal: 2, high: 3, critical: 3 }),
  maxEventLoopLagMs: 250,
  maxCpu: 0.95,
  maxMemoryFraction: 0.95,
  whenAllOverloaded: 'route',
  latencyTolerance: 1.5,
  defaultLatencyMs: 5,
  errorWeight: 4,
  errorHalfLifeMs: 5_000,
  errorHorizonHalfLives: 6,
  reportedErrorWeight: 4,
  slowStartMs: 10_000,
  slowStartMinWeight: 0.1,
  linkHalfLifeMs: 1_000,
  linkMinExtraMs: 2,
  affinity: 'prefer',
});

export function tuningWith(overrides: Partial<RoutingTuning> | undefined): RoutingTuning {
  if (overrides === undefined) return defaultRoutingTuning;
  return { ...defaultRoutingTuning, ...overrides };
}
