// Hard constraints: which candidate shards may take a call at all, or why none may.
import type { LoadReport } from './loadReport.js';
import { describeRoute, ruleApplies, tagsSatisfy, type RoutingRule } from './routingRules.js';
import type { RoutingCall, RoutingDenialCode } from './routingCall.js';
import type { RoutingTuning } from './routingTuning.js';

export type Eligibility =
  | { readonly eligible: readonly string[] }
  | { readonly denied: RoutingDenialCode; readonly reason: string };

function deny(denied: RoutingDenialCode, reason: string): Eligibility {
  return { denied, reason };
}

function hosts(report: LoadReport, call: RoutingCall): boolean {
  const fn = report.functions[call.functionName];
  if (fn === undefined) return false;
  return call.version === undefined || fn.versions.includes(call.version);
}

function fitsCapacity(report: LoadReport, call: RoutingCall): boolean {
  const need = call.resources;
  const cap = report.capacity;
  if (need === undefined || cap === undefined) return true;
  return need.cpu <= cap.cpu && need.memory <= cap.memory;
}

/** A shard past any of the tuning's thresholds. */
export function isOverloaded(report: LoadReport, tuning: RoutingTuning): boolean {
  return (
    report.eventLoopLagMs > tuning.maxEventLoopLagMs ||
    report.cpu > tuning.maxCpu ||
    report.memoryFraction > tuning.maxMemoryFraction
  );
}

/**
 * Filter candidates, narrowest reason last: live and not excluded → hosts the version →
 * enabled → the registry's placement → its routes → routing rules → affinity → capacity → not overloaded. Each step that leaves
 * nothing names why, so an operator sees "no whale shard is up" rather than "no shard".
 */
export function eligibleShards(
  call: RoutingCall,
  candidates: readonly string[],
  reports: ReadonlyMap<string, LoadReport>,
  rules: readonly RoutingRule[],
  tuning: RoutingTuning,
  exclude?: ReadonlySet<string>,
): Eligibility {
  const fn = call.version === undefined ? call.functionName : `${call.functionName}@${call.version}`;
  let live: LoadReport[] = [];
  for (const id of candidates) {
    if (exclude?.has(id)) continue;
    const report = reports.get(id);
    if (report !== undefined && report.draining !== true) live.push(report);
  }
  if (live.length === 0) {
    return deny('NO_LIVE_SHARD', exclude && exclude.size > 0 ? `Every live shard for ${fn} was already tried` : `No live shard can take ${fn}`);
  }

  live = live.filter((r) => hosts(r, call));
  if (live.length === 0) return deny('NOT_HOSTED', `No live shard hosts ${fn}`);

  if (call.enabledByRegistry !== true) live = live.filter((r) => r.functions[call.functionName]?.enabled === true);
  if (live.length === 0) return deny('DISABLED', `${fn} is disabled on every shard that hosts it`);

  const placement = call.placement;
  if (placement !== undefined) {
    const pinned = placement.shards;
    const required = placement.requireTags;
    if ((pinned !== undefined && pinned.length > 0) || (required !== undefined && required.length > 0)) {
      live = live.filter(
        (r) =>
          (pinned === undefined || pinned.length === 0 || pinned.includes(r.shardId)) &&
          (required === undefined || required.every((t) => r.tags.includes(t))),
      );
      if (live.length === 0) return deny('PLACEMENT_UNSATISFIED', `The registry's placement for ${fn} matches no live shard`);
    }
    const preferred = placement.preferTags;
    if (preferred !== undefined && preferred.length > 0) {
      const fitting = live.filter((r) => preferred.some((t) => r.tags.includes(t)));
      if (fitting.length > 0) live = fitting;
    }
  }

  // The registry's routes for this function first (operators change them at run time), then the caller's static rules.
  const routes = placement?.routes;
  if (routes !== undefined && routes.length > 0) {
    const routed = applyRules(live, call, routes, fn, 'route');
    if ('denied' in routed) return routed;
    live = routed.eligible;
  }
  if (rules.length > 0) {
    const ruled = applyRules(live, call, rules, fn, 'rule');
    if ('denied' in ruled) return ruled;
    live = ruled.eligible;
  }

  const affinity = call.shardAffinity;
  if (affinity !== undefined && affinity.length > 0) {
    const preferred = live.filter((r) => affinity.some((t) => r.tags.includes(t)));
    if (preferred.length > 0) live = preferred;
    else if (tuning.affinity === 'require') {
      return deny('PLACEMENT_UNSATISFIED', `No live shard hosting ${fn} carries any of the tags ${affinity.join(', ')}`);
    }
  }

  live = live.filter((r) => fitsCapacity(r, call));
  if (live.length === 0) {
    const need = call.resources;
    return deny('NO_CAPACITY', `No live shard accepts resource class cpu=${need?.cpu} memory=${need?.memory} for ${fn}`);
  }

  const healthy = live.filter((r) => !isOverloaded(r, tuning));
  if (healthy.length > 0) live = healthy;
  else if (tuning.whenAllOverloaded === 'deny') {
    return deny('OVERLOADED', `Every shard that can take ${fn} is overloaded`);
  }
  // When every shard is overloaded, refusing all calls would turn a load spike into an outage;
  // the score below still steers towards the least busy of them.

  return { eligible: live.map((r) => r.shardId) };
}

/**
 * Each rule that applies to the call narrows the shards to those its tags fit; a 'require' rule that
 * leaves none denies the call, naming the rule and what it asks, a 'prefer' rule then changes nothing.
 */
function applyRules(
  live: LoadReport[],
  call: RoutingCall,
  rules: readonly RoutingRule[],
  fn: string,
  kind: 'route' | 'rule',
): { readonly eligible: LoadReport[] } | Extract<Eligibility, { readonly denied: RoutingDenialCode }> {
  let out = live;
  for (const rule of rules) {
    if (!ruleApplies(rule, call)) continue;
    const fitting = out.filter((r) => tagsSatisfy(rule, r.tags));
    if (fitting.length > 0) out = fitting;
    else if ((rule.mode ?? 'require') === 'require') {
      const what = kind === 'route' ? `The registry's route "${describeRoute(rule)}"` : `Placement rule "${describeRoute(rule)}"`;
      return { denied: 'PLACEMENT_UNSATISFIED', reason: `${what} matches no live shard hosting ${fn}` };
    }
  }
  return { eligible: out };
}
