// The routing simulator: a seeded discrete-event replay of one scenario under each policy, reporting latency and load share.
import { seededRandom } from '../../context/seededRandom.js';
import { CallerViewTracker } from '../callerViewTracker.js';
import type { LoadReport } from '../loadReport.js';
import type { RoutingCall } from '../routingCall.js';
import { EventQueue } from './eventQueue.js';
import { meanServiceMs, type ServiceTime, type SimScenario } from './scenario.js';
import { allSimPolicies, type SimPolicy } from './simPolicies.js';

export interface SimResult {
  readonly policy: string;
  /** Calls measured (after warm-up). */
  readonly calls: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  readonly maxMs: number;
  /** Shard id → fraction of measured calls it served. */
  readonly share: Readonly<Record<string, number>>;
}

type SimEvent =
  | { readonly kind: 'arrival'; readonly call: number }
  | { readonly kind: 'done'; readonly shard: number; readonly call: number }
  | { readonly kind: 'report'; readonly shard: number }
  | { readonly kind: 'deliver'; readonly report: LoadReport };

const simulatedFunction = 'sim.work';

/** One service time for a shard from a call's two uniform draws, so every policy sees the same work per call. */
function serviceTimeOf(s: ServiceTime, u1: number, u2: number): number {
  switch (s.kind) {
    case 'constant':
      return s.ms;
    case 'exponential':
      return -Math.log(1 - u1) * s.meanMs;
    case 'lognormal': {
      const z = Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
      return s.medianMs * Math.exp(s.sigma * z);
    }
  }
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[i]!;
}

/** Replay `scenario` under one policy. Pure: the same scenario and policy give the same result. */
export function simulate(scenario: SimScenario, policy: SimPolicy): SimResult {
  const { shards, calls: total } = scenario;
  const n = shards.length;
  const shardIds = shards.map((s) => s.id);
  const means = shards.map((s) => meanServiceMs(s.serviceTime));
  const concurrency = shards.map((s) => s.concurrency);

  // The workload is drawn from its own stream, so it is identical under every policy.
  const work = seededRandom(`${scenario.seed}:workload`);
  const arrivalAt = new Float64Array(total);
  const callerOf = new Int32Array(total);
  const u1 = new Float64Array(total);
  const u2 = new Float64Array(total);
  let t = 0;
  for (let i = 0; i < total; i++) {
    t += (-Math.log(1 - work()) * 1000) / scenario.callsPerSecond;
    arrivalAt[i] = t;
    callerOf[i] = Math.floor(work() * scenario.callers);
    u1[i] = work();
    u2[i] = work();
  }
  const random = seededRandom(`${scenario.seed}:policy:${policy.name}`);
  const phase = seededRandom(`${scenario.seed}:phase`);

  const running = new Int32Array(n);
  const inSystem = new Int32Array(n);
  const waiting: number[][] = shards.map(() => []);
  const startedAt = new Float64Array(total);
  const shardOf = new Int32Array(total);
  const ewma: (number | undefined)[] = shards.map(() => undefined);
  const sequence = new Int32Array(n);
  // Busy slot-milliseconds since the last report: reports carry CPU averaged over the interval, as real shards measure it.
  const busy = new Float64Array(n);
  const busySince = new Float64Array(n);
  const lastReportAt = new Float64Array(n);
  const account = (s: number, now: number): void => {
    busy[s]! += running[s]! * (now - busySince[s]!);
    busySince[s] = now;
  };
  const views = Array.from({ length: scenario.callers }, () => new CallerViewTracker());
  const delivered = new Map<string, LoadReport>();
  const call: RoutingCall = { functionName: simulatedFunction };
  const latencies: number[] = [];
  const served = new Int32Array(n);

  const queue = new EventQueue<SimEvent>();
  const utilisation = (s: number, now: number): number => {
    account(s, now);
    const span = now - lastReportAt[s]!;
    const u = span > 0 ? busy[s]! / (span * concurrency[s]!) : 0;
    busy[s] = 0;
    lastReportAt[s] = now;
    return Math.min(1, u);
  };
  const reportOf = (s: number, now: number): LoadReport => ({
    shardId: shardIds[s]!,
    tags: [],
    functions: { [simulatedFunction]: { versions: ['1.0.0'], enabled: true, ...(ewma[s] === undefined ? {} : { latencyEwmaMs: ewma[s] }) } },
    cpu: utilisation(s, now),
    memoryMb: 0,
    memoryFraction: 0,
    eventLoopLagMs: 0,
    inFlight: inSystem[s]!,
    sequence: sequence[s]!++,
    sentAt: now,
    startedAt: 0,
    intervalMs: scenario.reportIntervalMs,
  });
  for (let s = 0; s < n; s++) {
    // Shards announce themselves at start, then report on their own phase, as real ones do.
    delivered.set(shardIds[s]!, reportOf(s, 0));
    queue.push(phase() * scenario.reportIntervalMs, { kind: 'report', shard: s });
  }
  if (total > 0) queue.push(arrivalAt[0]!, { kind: 'arrival', call: 0 });

  const begin = (s: number, c: number, now: number): void => {
    account(s, now);
    running[s]!++;
    startedAt[c] = now;
    queue.push(now + serviceTimeOf(shards[s]!.serviceTime, u1[c]!, u2[c]!), { kind: 'done', shard: s, call: c });
  };

  let finished = 0;
  while (finished < total) {
    const next = queue.pop();
    if (next === undefined) break;
    const now = next.at;
    const ev = next.value;
    switch (ev.kind) {
      case 'arrival': {
        const c = ev.call;
        const caller = callerOf[c]!;
        const view = views[caller]!;
        const s = policy.choose({
          now,
          caller,
          call,
          shardIds,
          reports: delivered,
          view,
          freshInSystem: inSystem as unknown as readonly number[],
          meanServiceMs: means,
          concurrency,
          random,
        });
        shardOf[c] = s;
        view.started(shardIds[s]!);
        inSystem[s]!++;
        if (running[s]! < concurrency[s]!) begin(s, c, now);
        else waiting[s]!.push(c);
        if (c + 1 < total) queue.push(arrivalAt[c + 1]!, { kind: 'arrival', call: c + 1 });
        break;
      }
      case 'done': {
        const { shard: s, call: c } = ev;
        account(s, now);
        running[s]!--;
        inSystem[s]!--;
        const ran = now - startedAt[c]!;
        ewma[s] = ewma[s] === undefined ? ran : ewma[s]! + scenario.ewmaAlpha * (ran - ewma[s]!);
        views[callerOf[c]!]!.finished(shardIds[s]!, false, now);
        if (c >= scenario.warmupCalls) {
          latencies.push(now - arrivalAt[c]!);
          served[s]!++;
        }
        finished++;
        const queued = waiting[s]!.shift();
        if (queued !== undefined) begin(s, queued, now);
        break;
      }
      case 'report':
        queue.push(now + scenario.reportDelayMs, { kind: 'deliver', report: reportOf(ev.shard, now) });
        queue.push(now + scenario.reportIntervalMs, { kind: 'report', shard: ev.shard });
        break;
      case 'deliver':
        delivered.set(ev.report.shardId, ev.report);
        break;
    }
  }

  latencies.sort((a, b) => a - b);
  const measured = latencies.length;
  const share: Record<string, number> = {};
  for (let s = 0; s < n; s++) share[shardIds[s]!] = measured === 0 ? 0 : served[s]! / measured;
  let sum = 0;
  for (const l of latencies) sum += l;
  return {
    policy: policy.name,
    calls: measured,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    meanMs: measured === 0 ? 0 : sum / measured,
    maxMs: measured === 0 ? 0 : latencies[measured - 1]!,
    share,
  };
}

/** Replay one scenario under each policy (all of them by default), same workload for each. */
export function comparePolicies(scenario: SimScenario, policies: readonly SimPolicy[] = allSimPolicies()): SimResult[] {
  return policies.map((p) => simulate(scenario, p));
}

/** A fixed-width table of results, for the CLI and the docs. */
export function formatSimResults(results: readonly SimResult[]): string {
  const ids = Object.keys(results[0]?.share ?? {});
  const head = ['policy'.padEnd(20), 'p50 ms'.padStart(8), 'p99 ms'.padStart(9), ...ids.map((id) => id.padStart(7))].join(' ');
  const rows = results.map((r) =>
    [
      r.policy.padEnd(20),
      r.p50Ms.toFixed(1).padStart(8),
      r.p99Ms.toFixed(1).padStart(9),
      ...ids.map((id) => `${((r.share[id] ?? 0) * 100).toFixed(1)}%`.padStart(7)),
    ].join(' '),
  );
  return [head, ...rows].join('\n');
}
