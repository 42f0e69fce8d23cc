// What a routing rule says: conditions on a call's facts, and the shard tags a call they hold for must have or avoid.
import type { CallFact } from './callFact.js';

/** A test on one fact of the call; every comparison given must hold. A missing fact never matches. */
export interface FactCondition {
  readonly fact: string;
  readonly gt?: number;
  readonly gte?: number;
  readonly lt?: number;
  readonly lte?: number;
  readonly equals?: CallFact;
  readonly in?: readonly CallFact[];
}

export interface RoutingRule {
  /** Shown in denial reasons and docs, e.g. 'whales'. */
  readonly name: string;
  /** Function names (or prefixes ending in '.*', e.g. 'trading.*') this rule covers; all when absent. */
  readonly functions?: readonly string[];
  /** All conditions must hold for the rule to apply; it always applies when absent. */
  readonly when?: readonly FactCondition[];
  /** A shard must carry every one of these tags. */
  readonly requireTags?: readonly string[];
  /** A shard must carry none of these tags (e.g. keep small trades off `whale`). */
  readonly avoidTags?: readonly string[];
  /**
   * 'require' (default): no fitting shard → the call is denied.
   * 'prefer': fitting shards are used when there are any, the others otherwise.
   */
  readonly mode?: 'require' | 'prefer';
}

/**
 * A route the registry holds for one function (`lucent registry route`): a routing rule without
 * `functions`, since the function it is stored under is the one it covers.
 */
export type FunctionRoute = Omit<RoutingRule, 'functions'>;
