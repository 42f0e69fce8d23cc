// The routing policies the simulator compares: naive baselines, the herding one, Lucent's, and the fresh-data floors.
import type { LoadReport } from '../loadReport.js';
import { chooseShard } from '../powerOfTwoChoices.js';
import type { CallerView, RoutingCall } from '../routingCall.js';
import type { RoutingTuning } from '../routingTuning.js';

/** What a policy may look at when it places one call. */
export interface SimDecisionInput {
  readonly now: number;
  readonly caller: number;
  readonly call: RoutingCall;
  readonly shardIds: readonly string[];
  /** The latest reports that have reached callers: stale by up to an interval plus the delay. */
  readonly reports: ReadonlyMap<string, LoadReport>;
  /** This caller's own view: exact and current. */
  readonly view: CallerView;
  /** True calls in each shard (queued + running) right now: only an oracle knows these. */
  readonly freshInSystem: readonly number[];
  /** Mean service time per shard, ms: only an oracle knows these exactly. */
  readonly meanServiceMs: readonly number[];
  readonly concurrency: readonly number[];
  readonly random: () => number;
}

export interface SimPolicy {
  readonly name: string;
  /** Index into `shardIds`. */
  choose(input: SimDecisionInput): number;
}

/** Lowest `key` wins; ties are broken at random so no baseline is hurt by always picking the first. */
function argMin(n: number, key: (i: number) => number, random: () => number): number {
  let best = Number.POSITIVE_INFINITY;
  let ties: number[] = [];
  for (let i = 0; i < n; i++) {
    const k = key(i);
    if (k < best) {
      best = k;
      ties = [i];
    } else if (k === best) ties.push(i);
  }
  return ties.length === 1 ? ties[0]! : ties[Math.floor(random() * ties.length)]!;
}

export const randomPolicy: SimPolicy = {
  name: 'random',
  choose: ({ shardIds, random }) => Math.floor(random() * shardIds.length),
};

/** Each caller cycles through the shards, starting at its own offset. */
export function roundRobinPolicy(): SimPolicy {
  const next = new Map<number, number>();
  return {
    name: 'round-robin',
    choose: ({ caller, shardIds }) => {
      const i = next.get(caller) ?? caller % shardIds.length;
      next.set(caller, (i + 1) % shardIds.length);
      return i;
    },
  };
}

/** Fewest in-flight calls by the last report: every caller sees the same stale minimum and herds onto it. */
export const leastLoadedStalePolicy: SimPolicy = {
  name: 'least-loaded-stale',
  choose: ({ shardIds, reports, random }) =>
    argMin(shardIds.length, (i) => reports.get(shardIds[i]!)?.inFlight ?? 0, random),
};

/** Lucent's policy exactly as callers use it: `chooseShard` on stale reports and the caller's own view. */
export function lucentPolicy(tuning?: Partial<RoutingTuning>, name = 'lucent-p2c'): SimPolicy {
  return {
    name,
    choose: ({ now, call, shardIds, reports, view, random }) => {
      const decision = chooseShard(call, shardIds, reports, view, [], random, now, tuning);
      if ('denied' in decision) throw new Error(`simulator: Lucent's policy denied a call: ${decision.reason}`);
      return shardIds.indexOf(decision.shardId);
    },
  };
}

/** Join the shortest queue, reading every shard's true queue at the instant of the call. */
export const jsqFreshPolicy: SimPolicy = {
  name: 'jsq-fresh',
  choose: ({ shardIds, freshInSystem, random }) => argMin(shardIds.length, (i) => freshInSystem[i]!, random),
};

/** Shortest expected delay with fresh queues and true speeds: the best a router with perfect knowledge does. */
export const sedFreshPolicy: SimPolicy = {
  name: 'sed-fresh',
  choose: ({ shardIds, freshInSystem, meanServiceMs, concurrency, random }) =>
    argMin(shardIds.length, (i) => ((freshInSystem[i]! + 1) * meanServiceMs[i]!) / concurrency[i]!, random),
};

/** Fresh instances of every compared policy (round-robin holds per-run state). */
export function allSimPolicies(): SimPolicy[] {
  return [randomPolicy, roundRobinPolicy(), leastLoadedStalePolicy, lucentPolicy(), jsqFreshPolicy, sedFreshPolicy];
}
