// Pure version selection: which version of a function serves one call, or why the call is refused.
import { murmur3 } from './murmur3.js';
import type { FunctionRules } from './functionRules.js';
import { jurisdictionAllowed } from './jurisdictions.js';

/** Sticky bucketing resolution: weights are percent with two decimals, so 10,000 buckets. */
export const bucketCount = 10_000;

/** The parts of a call that selection reads; BusinessMetadata fits it. Set by the shell from authenticated claims. */
export interface SelectionContext {
  readonly userId?: string;
  readonly accountId?: string;
  readonly jurisdiction?: string;
}

export type VersionSelection =
  | { readonly version: string; readonly shadow?: string }
  | { readonly denied: 'FUNCTION_DISABLED' | 'JURISDICTION_DENIED'; readonly reason: string };

/** The bucket (0..9,999) of a key under a seed. */
export function bucketOf(key: string, seed: number): number {
  return murmur3(key, seed) % bucketCount;
}

/** Weight percent → bucket threshold (10% → 1,000). */
export function weightBuckets(percent: number): number {
  return Math.round(percent * 100);
}

/** The registry rules' jurisdiction check: `jurisdictionAllowed` on `rules.jurisdictions`. */
export function rulesAllowJurisdiction(rules: FunctionRules, jurisdiction: string | undefined): boolean {
  return jurisdictionAllowed(rules.jurisdictions, jurisdiction);
}

function stickyKey(rules: FunctionRules, ctx: SelectionContext): string | undefined {
  return rules.rollout.key === 'accountId' ? (ctx.accountId ?? ctx.userId) : (ctx.userId ?? ctx.accountId);
}

/**
 * The rollout bucket decides whether a key is inside the rollout at all (bucket < total weight),
 * so raising a weight only ever adds keys. The variant bucket, under its own seed, then spreads
 * the keys inside across the non-active versions in proportion to their weights.
 */
function weightedVersion(rules: FunctionRules, key: string): string {
  let total = 0;
  let last: string | undefined;
  for (const version in rules.weights) {
    const w = weightBuckets(rules.weights[version]!);
    if (w > 0 && version !== rules.active) {
      total += w;
      last = version;
    }
  }
  if (last === undefined || bucketOf(key, rules.rollout.seed) >= total) return rules.active;
  const single = total === weightBuckets(rules.weights[last]!);
  if (single) return last;
  const point = (bucketOf(key, rules.rollout.variantSeed) * total) / bucketCount;
  let acc = 0;
  for (const version of Object.keys(rules.weights).sort()) {
    const w = weightBuckets(rules.weights[version]!);
    if (w <= 0 || version === rules.active) continue;
    acc += w;
    if (point < acc) return version;
  }
  return last;
}

/** Evaluate the rules for one call: the kill switch, then jurisdiction, then sticky weights and shadow. */
export function selectVersion(rules: FunctionRules, ctx: SelectionContext): VersionSelection {
  if (!rules.enabled) return { denied: 'FUNCTION_DISABLED', reason: `${rules.name} is disabled by an operator` };
  if (!rulesAllowJurisdiction(rules, ctx.jurisdiction)) {
    return {
      denied: 'JURISDICTION_DENIED',
      reason: `${rules.name} is not available in jurisdiction ${ctx.jurisdiction ?? '(unknown)'}`,
    };
  }
  const key = stickyKey(rules, ctx);
  const version = key === undefined ? rules.active : weightedVersion(rules, key);
  return rules.shadow !== undefined && rules.shadow !== version ? { version, shadow: rules.shadow } : { version };
}
