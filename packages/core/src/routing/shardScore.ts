// The soft score of one eligible shard for one call: lower is better.
import type { LoadReport } from './loadReport.js';
import { decayedLinkDelayMs } from './callerViewTracker.js';
import type { CallerView, RoutingCall } from './routingCall.js';
import type { RoutingTuning } from './routingTuning.js';

/**
 * Decayed count of this caller's recent errors on a shard: each error weighs 1 when fresh
 * and halves every `errorHalfLifeMs`, so a shard that failed a while ago earns its traffic back.
 */
export function decayedErrors(times: readonly number[] | undefined, now: number, tuning: RoutingTuning): number {
  if (times === undefined || times.length === 0) return 0;
  const horizon = tuning.errorHalfLifeMs * tuning.errorHorizonHalfLives;
  let sum = 0;
  for (const t of times) {
    const age = Math.max(0, now - t);
    if (age < horizon) sum += 2 ** (-age / tuning.errorHalfLifeMs);
  }
  return sum;
}

/**
 * Share of its fair traffic a shard gets while slow-starting: ramps linearly from
 * `slowStartMinWeight` to 1 over `slowStartMs` after the caller first saw it, so a new shard
 * with no latency history and cold caches is not flooded by every caller at once.
 */
export function slowStartWeight(firstSeen: number | undefined, now: number, tuning: RoutingTuning): number {
  if (firstSeen === undefined || tuning.slowStartMs <= 0) return 1;
  const elapsed = now - firstSeen;
  if (elapsed >= tuning.slowStartMs) return 1;
  return Math.max(tuning.slowStartMinWeight, elapsed / tuning.slowStartMs);
}

/**
 * The typical latency of the function across the eligible shards: the median of their EWMAs,
 * or the tuning's default when none has reported one. Unknown shards are assumed typical.
 */
export function referenceLatencyMs(
  call: RoutingCall,
  eligible: readonly string[],
  reports: ReadonlyMap<string, LoadReport>,
  tuning: RoutingTuning,
): number {
  const known: number[] = [];
  for (const id of eligible) {
    const ewma = reports.get(id)?.functions[call.functionName]?.latencyEwmaMs;
    if (ewma !== undefined && ewma > 0) known.push(ewma);
  }
  if (known.length === 0) return tuning.defaultLatencyMs;
  known.sort((a, b) => a - b);
  const mid = known.length >> 1;
  return known.length % 2 === 1 ? known[mid]! : (known[mid - 1]! + known[mid]!) / 2;
}

/**
 * A shard's latency as the score sees it: within ×tolerance of the reference either way it counts
 * as the reference (noise between equal shards must not herd every caller onto one of them);
 * beyond that band it counts in full, so a 5× slower shard scores 5× — shrinking it too would let
 * a fast shard with two calls in flight lose to it, and that trickle of calls sets the p99.
 */
export function effectiveLatencyMs(latency: number | undefined, reference: number, tuning: RoutingTuning): number {
  if (latency === undefined || !(latency > 0)) return reference;
  const tolerance = Math.max(1, tuning.latencyTolerance);
  return latency <= reference * tolerance && latency >= reference / tolerance ? reference : latency;
}

/**
 * The typical link delay this caller sees across the eligible shards: the median of their decayed
 * estimates (0 when the view keeps none). A shard is judged on how far its link is above this.
 */
export function referenceLinkDelayMs(eligible: readonly string[], view: CallerView, now: number, tuning: RoutingTuning): number {
  const links = view.linkDelay;
  if (links === undefined || links.size === 0) return 0;
  const known: number[] = [];
  for (const id of eligible) known.push(decayedLinkDelayMs(links.get(id), now, tuning.linkHalfLifeMs));
  known.sort((a, b) => a - b);
  const mid = known.length >> 1;
  return known.length % 2 === 1 ? known[mid]! : (known[mid - 1]! + known[mid]!) / 2;
}

/**
 * What a shard's link adds to its latency in the score: its decayed delay above the reference,
 * counted only beyond `linkMinExtraMs` (or the latency tolerance of the reference, if larger) so
 * that jitter between healthy links herds nobody, and never below zero — a link faster than the
 * median earns no bonus, or every caller would pile onto the one that answered quickest last.
 */
export function linkExtraMs(shardId: string, view: CallerView, now: number, tuning: RoutingTuning, referenceLink: number): number {
  const d = view.linkDelay?.get(shardId);
  if (d === undefined) return 0;
  const extra = decayedLinkDelayMs(d, now, tuning.linkHalfLifeMs) - referenceLink;
  const band = Math.max(tuning.linkMinExtraMs, (Math.max(1, tuning.latencyTolerance) - 1) * referenceLink);
  return extra > band ? extra : 0;
}

/**
 * (caller's in-flight on the shard + 1) × the shard's effective latency for this function, plus
 * what its link adds — an estimate of how long a new call would wait there — raised after errors
 * and for slow start. The +1 lets latency decide between idle shards.
 */
export function shardScore(
  shardId: string,
  call: RoutingCall,
  report: LoadReport | undefined,
  view: CallerView,
  now: number,
  tuning: RoutingTuning,
  referenceLatency: number,
  referenceLink = 0,
): number {
  const fn = report?.functions[call.functionName];
  const latency = effectiveLatencyMs(fn?.latencyEwmaMs, referenceLatency, tuning);
  const inFlight = view.inFlight.get(shardId) ?? 0;
  const reportedRate = fn?.calls !== undefined && fn.calls > 0 ? Math.min(1, (fn.errors ?? 0) / fn.calls) : 0;
  const errorFactor =
    (1 + tuning.errorWeight * decayedErrors(view.recentErrors.get(shardId), now, tuning)) *
    (1 + tuning.reportedErrorWeight * reportedRate);
  // The link's delay is paid once per call, not once per call queued ahead of it.
  const wait = (inFlight + 1) * latency + linkExtraMs(shardId, view, now, tuning, referenceLink);
  return (wait * errorFactor) / slowStartWeight(view.firstSeen.get(shardId), now, tuning);
}
