// Lucent's routing policy: hard constraints, then power of two (or more) choices on the caller's own view.
import { eligibleShards } from './eligibleShards.js';
import type { LoadReport } from './loadReport.js';
import type { RoutingRule } from './routingRules.js';
import type { CallerView, RoutingCall, RoutingDecision, RoutingPlan } from './routingCall.js';
import { tuningWith, type RoutingTuning } from './routingTuning.js';
import { referenceLatencyMs, referenceLinkDelayMs, shardScore } from './shardScore.js';

/** Options of `rankShards` beyond the policy's inputs. */
export interface RankOptions {
  /** Shards already tried for this call (failover): never returned. */
  readonly exclude?: ReadonlySet<string>;
  readonly tuning?: Partial<RoutingTuning>;
}

/** Draw `k` distinct entries with a partial Fisher–Yates shuffle on a copy. */
function sample(ids: readonly string[], k: number, random: () => number): string[] {
  const pool = ids.slice();
  const n = Math.min(k, pool.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (pool.length - i));
    const t = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = t;
  }
  return pool.slice(0, n);
}

function pick(
  call: RoutingCall,
  eligible: readonly string[],
  reports: ReadonlyMap<string, LoadReport>,
  view: CallerView,
  random: () => number,
  now: number,
  tuning: RoutingTuning,
): { chosen: string; score: (id: string) => number } {
  if (eligible.length === 1) {
    const only = eligible[0]!;
    return { chosen: only, score: () => 0 };
  }
  const reference = referenceLatencyMs(call, eligible, reports, tuning);
  const referenceLink = referenceLinkDelayMs(eligible, view, now, tuning);
  const score = (id: string): number => shardScore(id, call, reports.get(id), view, now, tuning, reference, referenceLink);
  // Sampling a few shards rather than taking the global best keeps many callers from herding
  // onto the same shard between two reports (see docs/routing.md).
  const k = Math.max(1, tuning.choices[call.priority ?? 'normal']);
  const drawn = sample(eligible, k, random);
  let chosen = drawn[0]!;
  let best = score(chosen);
  for (let i = 1; i < drawn.length; i++) {
    const s = score(drawn[i]!);
    if (s < best) {
      best = s;
      chosen = drawn[i]!;
    }
  }
  return { chosen, score };
}

/**
 * Choose a shard for one call. Pure and deterministic given `random`: `candidates` are the
 * live shards (see `aliveShards`), `reports` their latest load reports, `view` this caller's
 * own in-flight counts, recent errors and first-seen times.
 */
export function chooseShard(
  call: RoutingCall,
  candidates: readonly string[],
  reports: ReadonlyMap<string, LoadReport>,
  view: CallerView,
  rules: readonly RoutingRule[],
  random: () => number,
  now: number,
  tuning?: Partial<RoutingTuning>,
): RoutingDecision {
  const t = tuningWith(tuning);
  const eligibility = eligibleShards(call, candidates, reports, rules, t);
  if ('denied' in eligibility) return eligibility;
  return { shardId: pick(call, eligibility.eligible, reports, view, random, now, t).chosen };
}

/**
 * The failover form: every eligible shard not yet tried, in the order to try them. The first
 * is `chooseShard`'s pick for the same random draws; the rest follow by score (then id), so a
 * retry goes to the next best shard rather than to another random one.
 */
export function rankShards(
  call: RoutingCall,
  candidates: readonly string[],
  reports: ReadonlyMap<string, LoadReport>,
  view: CallerView,
  rules: readonly RoutingRule[],
  random: () => number,
  now: number,
  options: RankOptions = {},
): RoutingPlan {
  const t = tuningWith(options.tuning);
  const eligibility = eligibleShards(call, candidates, reports, rules, t, options.exclude);
  if ('denied' in eligibility) return eligibility;
  const { chosen, score } = pick(call, eligibility.eligible, reports, view, random, now, t);
  const rest = eligibility.eligible
    .filter((id) => id !== chosen)
    .map((id) => ({ id, s: score(id) }))
    .sort((a, b) => a.s - b.s || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((e) => e.id);
  return { order: [chosen, ...rest] };
}
