// The routing policy's inputs and outputs: the call to place, the caller's own view of each shard, the decision.
import type { AnyFunctionDefinition } from '../functions/defineFunction.js';
import type { Priority, ResourceClass } from '../functions/functionTraits.js';
import type { PlacementRules } from '../registry/functionRules.js';
import type { CallFact } from './callFact.js';

export type { CallFact } from './callFact.js';

/** What the router knows about the call it places. */
export interface RoutingCall {
  readonly functionName: string;
  /** The version the caller selected; any hosted version when absent. */
  readonly version?: string;
  /** Tags the function prefers (its `shardAffinity` metadata). */
  readonly shardAffinity?: readonly string[];
  readonly resources?: ResourceClass;
  readonly priority?: Priority;
  /** Business facts of this call for routing rules (notional, tradingPair, riskLevel, …). */
  readonly facts?: Readonly<Record<string, CallFact>>;
  /** The registry's placement for this function (required/preferred tags, pinned shards). */
  readonly placement?: PlacementRules;
  /**
   * The caller's registry rules enable the function. The router then ignores the kill switch the
   * shards last reported: a report can be a whole interval old, and waiting for the next one made a
   * re-enable reach callers 10-100× slower than a disable. A shard that has not applied the change
   * yet refuses with FUNCTION_DISABLED and the call goes to another.
   */
  readonly enabledByRegistry?: true;
}

/**
 * The facts of one call for placement: the caller's own when given, else what the function's
 * `routingFacts` reads from the input; undefined when neither (or when the reader throws on an
 * input its contract let through: placement then falls back to the function's defaults).
 */
export function routingFactsOf(
  fn: AnyFunctionDefinition | undefined,
  input: unknown,
  given?: Readonly<Record<string, CallFact>>,
): Readonly<Record<string, CallFact>> | undefined {
  if (given !== undefined) return given;
  const read = fn?.meta.routingFacts;
  if (read === undefined) return undefined;
  try {
    return read(input);
  } catch {
    return undefined;
  }
}

/** Build a RoutingCall from a definition's metadata plus the facts of this call. */
export function routingCallOf(
  fn: AnyFunctionDefinition,
  facts?: Readonly<Record<string, CallFact>>,
  registry?: { readonly priority?: Priority; readonly placement?: PlacementRules },
): RoutingCall {
  const meta = fn.meta;
  const p = registry?.priority ?? meta.priority;
  return {
    functionName: fn.name,
    version: fn.version,
    ...(meta.shardAffinity === undefined ? {} : { shardAffinity: meta.shardAffinity }),
    ...(meta.resources === undefined ? {} : { resources: meta.resources }),
    ...(p === undefined ? {} : { priority: p }),
    ...(facts === undefined ? {} : { facts }),
    ...(registry?.placement === undefined ? {} : { placement: registry.placement }),
  };
}

/**
 * The caller's own state per shard. Only the caller knows it exactly and without delay,
 * which is why the score is built on it rather than on the shards' (stale) reports.
 */
export interface CallerView {
  /** Calls this caller has outstanding on each shard. */
  readonly inFlight: ReadonlyMap<string, number>;
  /** Times (epoch ms, the caller's clock) of this caller's recent failed calls to each shard. */
  readonly recentErrors: ReadonlyMap<string, readonly number[]>;
  /** When this caller first saw each shard alive (epoch ms): drives slow start. */
  readonly firstSeen: ReadonlyMap<string, number>;
  /**
   * The delay this caller sees on its link to each shard beyond the shard's own reported service
   * time (a slow or lossy network path, a queue in front of the shard): an EWMA with the time of its
   * last sample. Optional: a view without it routes on the shards' reports alone.
   */
  readonly linkDelay?: ReadonlyMap<string, LinkDelay>;
}

/** One shard's observed link delay: the EWMA in ms and when it was last sampled (epoch ms). */
export interface LinkDelay {
  readonly ms: number;
  readonly at: number;
}

export const emptyCallerView: CallerView = Object.freeze({
  inFlight: new Map<string, number>(),
  recentErrors: new Map<string, readonly number[]>(),
  firstSeen: new Map<string, number>(),
});

/** Why no shard can take the call. Stable codes; `routingDeniedError` maps them to LucentErrors. */
export type RoutingDenialCode =
  /** No candidate shard is alive (or every one was already tried). */
  | 'NO_LIVE_SHARD'
  /** No live shard hosts this function at this version. */
  | 'NOT_HOSTED'
  /** Hosted, but disabled on every shard that hosts it. */
  | 'DISABLED'
  /** A required placement rule (e.g. notional above a threshold → `whale`) matches no live shard. */
  | 'PLACEMENT_UNSATISFIED'
  /** No shard's capacity fits the function's resource class. */
  | 'NO_CAPACITY'
  /** Every eligible shard is overloaded or draining, and the tuning says to refuse rather than pile on. */
  | 'OVERLOADED';

export type RoutingDecision =
  | { readonly shardId: string }
  | { readonly denied: RoutingDenialCode; readonly reason: string };

/** Shards in the order to try them: the first is the policy's choice, the rest are for failover. */
export type RoutingPlan =
  | { readonly order: readonly string[] }
  | { readonly denied: RoutingDenialCode; readonly reason: string };

export function isDenied<D extends RoutingDecision | RoutingPlan>(decision: D): decision is Extract<D, { readonly denied: RoutingDenialCode }> {
  return 'denied' in decision;
}
