// Routing rules: operator-written conditions on a call's facts that confine it to shards with (or without) some tags.
import type { CallFact } from './callFact.js';
import type { RoutingCall } from './routingCall.js';
import type { FactCondition, FunctionRoute, RoutingRule } from './routingRule.js';

export type { FactCondition, FunctionRoute, RoutingRule } from './routingRule.js';

function conditionHolds(c: FactCondition, facts: Readonly<Record<string, CallFact>> | undefined): boolean {
  const value = facts?.[c.fact];
  if (value === undefined) return false;
  if (c.equals !== undefined && value !== c.equals) return false;
  if (c.in !== undefined && !c.in.includes(value)) return false;
  const numeric = c.gt !== undefined || c.gte !== undefined || c.lt !== undefined || c.lte !== undefined;
  if (numeric) {
    if (typeof value !== 'number') return false;
    if (c.gt !== undefined && !(value > c.gt)) return false;
    if (c.gte !== undefined && !(value >= c.gte)) return false;
    if (c.lt !== undefined && !(value < c.lt)) return false;
    if (c.lte !== undefined && !(value <= c.lte)) return false;
  }
  return true;
}

/** Whether the rule covers function `name` (by exact name or a `prefix.*` pattern); every function when it names none. */
export function coversFunction(rule: RoutingRule, name: string): boolean {
  if (rule.functions === undefined) return true;
  return rule.functions.some((f) => (f.endsWith('.*') ? name.startsWith(f.slice(0, -1)) : f === name));
}

/** Whether a rule applies to this call. */
export function ruleApplies(rule: RoutingRule, call: RoutingCall): boolean {
  return coversFunction(rule, call.functionName) && (rule.when ?? []).every((c) => conditionHolds(c, call.facts));
}

/** Whether a shard with these tags satisfies the rule's tag constraints. */
export function tagsSatisfy(rule: RoutingRule, tags: readonly string[]): boolean {
  if (rule.requireTags && !rule.requireTags.every((t) => tags.includes(t))) return false;
  if (rule.avoidTags && rule.avoidTags.some((t) => tags.includes(t))) return false;
  return true;
}

/**
 * The routes of `name` among cluster-wide defaults (rules with `functions` patterns), as the registry
 * stores them under the function: in order, without `functions`.
 */
export function routesFor(name: string, defaults: readonly RoutingRule[]): FunctionRoute[] {
  return defaults.filter((rule) => coversFunction(rule, name)).map(({ functions: _covered, ...route }) => route);
}

/** Ready-made rule: calls whose `fact` is at least `threshold` go only to shards tagged `tag`. */
export function thresholdRule(name: string, fact: string, threshold: number, tag: string, functions?: readonly string[]): RoutingRule {
  return {
    name,
    when: [{ fact, gte: threshold }],
    requireTags: [tag],
    ...(functions === undefined ? {} : { functions }),
  };
}

const comparisons = [
  ['gt', '>'],
  ['gte', '>='],
  ['lt', '<'],
  ['lte', '<='],
] as const;

/** One condition as the CLI writes it: `notional>=1000000`, `pair=ETH-USDC`, `pair=ETH-USDC,BTC-USDC`. */
export function conditionText(c: FactCondition): string {
  const parts: string[] = [];
  for (const [key, op] of comparisons) if (c[key] !== undefined) parts.push(`${c.fact}${op}${c[key]}`);
  if (c.equals !== undefined) parts.push(`${c.fact}=${String(c.equals)}`);
  if (c.in !== undefined) parts.push(`${c.fact}=${c.in.map(String).join(',')}`);
  return parts.length > 0 ? parts.join(' ') : `${c.fact} present`;
}

/** A rule in one line, for denial reasons, `lucent registry show` and history: `whales: notional>=1000000 → whale (required)`. */
export function describeRoute(rule: RoutingRule): string {
  const when = rule.when !== undefined && rule.when.length > 0 ? rule.when.map(conditionText).join(' and ') : 'every call';
  const scope = rule.functions === undefined ? '' : ` of ${rule.functions.join(',')}`;
  const effects = [
    ...(rule.requireTags !== undefined && rule.requireTags.length > 0 ? [rule.requireTags.join('+')] : []),
    ...(rule.avoidTags !== undefined && rule.avoidTags.length > 0 ? [`not ${rule.avoidTags.join(',')}`] : []),
  ];
  const target = effects.length > 0 ? effects.join(', ') : 'any shard';
  return `${rule.name}: ${when}${scope} → ${target} (${rule.mode === 'prefer' ? 'preferred' : 'required'})`;
}
