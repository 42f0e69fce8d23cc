// The scale run's phases: a healthy baseline, then one fault at a time under the steady load, each judged against its must-show.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { MemoryEventStore, RegistryAdmin } from '@lucent/runtime';
import { KvRegistryStore, registryBucketFor } from '@lucent/nats';
import { startLoad, quantile, shares, type CallOutcome, type LoadRun } from './load.js';
import { gatewayUrl, shardSpecs, subjectPrefix } from './lucent.js';
import { clearLink, hosts, impairLink, setLink } from './network.js';
import { callShard, connectedServers, formatCpu, gatewayShardStatus, httpJson, sampleCpu, watchGatewayView, watchNatsTraffic } from './probes.js';
import { startNatsServer } from './servers.js';
import { unprivilegedRefused } from './security.js';
import type { Topology } from './topology.js';

export interface PhaseResult {
  readonly fault: string;
  readonly sent?: number;
  readonly failed?: number;
  readonly p99Ms?: number;
  readonly recoveryMs?: number;
  readonly pass: boolean;
  /** What was measured besides the columns, and why a must-show failed. */
  readonly notes: string[];
  readonly figures?: Record<string, unknown>;
}

export const ratePerSecond = 1_000;
/** A call not answered within this has failed: twice the function's own 1 s budget, which covers one retry on another shard. */
export const callDeadlineMs = 2_000;
const loadFunction = 'arbitrage.triangular';
const triangle = {
  rates: [
    { from: 'USDT', to: 'ETH', rate: 0.0005 },
    { from: 'ETH', to: 'BTC', rate: 0.05 },
    { from: 'BTC', to: 'USDT', rate: 41_000 },
  ],
  startCurrency: 'USDT',
};
/** The kill switch's subject: a function of the same shards the load does not call. */
const switchFunction = 'arbitrage.crossVenueSpread';
const switchInput = { buy: { venue: 'kraken', price: 60_000, takerFeeRate: 0.0026 }, sell: { venue: 'binance', price: 60_600, takerFeeRate: 0.001 }, quantity: 0.5 };
const audit = { who: 'test:scale', why: 'kill switch under a NATS server fault' };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function steadyLoad(durationMs: number): LoadRun {
  return startLoad({ url: `${gatewayUrl}/functions/${loadFunction}`, body: JSON.stringify(triangle), ratePerSecond, durationMs, deadlineMs: callDeadlineMs, maxInFlight: 512 });
}

/** Wait until the load's clock reads `ms`. */
async function at(load: LoadRun, ms: number): Promise<void> {
  const wait = ms - load.elapsed();
  if (wait > 0) await sleep(wait);
}

interface Summary {
  readonly sent: number;
  readonly failed: number;
  readonly p99Ms: number;
  readonly p50Ms: number;
  readonly skipped: number;
  readonly byShard: Record<string, number>;
  readonly firstFailures: string[];
  readonly achievedRate: number;
  /** The slowest 1%: when they were sent (second of the load, calls) and which shard answered them (`-`: none). */
  readonly slowest: { readonly bySecond: Record<string, number>; readonly byShard: Record<string, number> };
}

/** Where the slowest 1% of calls fall, in seconds of the load and by shard: a stall shows as a few seconds, a slow shard as one shard. */
function slowestOnePercent(outcomes: readonly CallOutcome[]): Summary['slowest'] {
  const slow = [...outcomes].sort((a, b) => b.ms - a.ms).slice(0, Math.ceil(outcomes.length / 100));
  const bySecond: Record<string, number> = {};
  const byShard: Record<string, number> = {};
  for (const o of slow) {
    const second = `${Math.floor(o.at / 1_000)}s`;
    bySecond[second] = (bySecond[second] ?? 0) + 1;
    byShard[o.shard] = (byShard[o.shard] ?? 0) + 1;
  }
  return { bySecond, byShard };
}

function summarize(outcomes: readonly CallOutcome[], skipped: number, durationMs: number): Summary {
  const byShard: Record<string, number> = {};
  for (const o of outcomes) if (o.ok) byShard[o.shard] = (byShard[o.shard] ?? 0) + 1;
  const failures = outcomes.filter((o) => !o.ok);
  return {
    sent: outcomes.length,
    failed: failures.length,
    p99Ms: quantile(
      outcomes.map((o) => o.ms),
      0.99,
    ),
    p50Ms: quantile(
      outcomes.map((o) => o.ms),
      0.5,
    ),
    skipped,
    byShard,
    firstFailures: failures.slice(0, 3).map((f) => `at ${f.at.toFixed(0)} ms: ${f.error ?? f.status}`),
    achievedRate: Math.round(outcomes.length / (durationMs / 1_000)),
    slowest: slowestOnePercent(outcomes),
  };
}

function loadNotes(s: Summary): string[] {
  return [
    `${s.sent} calls at ${s.achievedRate}/s offered ${ratePerSecond}/s${s.skipped > 0 ? ` (${s.skipped} not sent: ${512} already in flight)` : ''}, p50 ${s.p50Ms.toFixed(1)} ms, by shard ${JSON.stringify(s.byShard)}`,
    ...(s.failed > 0 ? [`failures: ${s.firstFailures.join(' | ')}`] : []),
    `slowest 1% sent in second ${JSON.stringify(s.slowest.bySecond)}, answered by ${JSON.stringify(s.slowest.byShard)}`,
  ];
}

/** The processes of the topology whose CPU a phase reports, by name (PostgreSQL's backends are processes of their own, so it is left out). */
function topologyPids(topology: Topology): Record<string, number> {
  const pids: Record<string, number> = { gateway: topology.gateway.pid, 'load (this process)': process.pid };
  for (const [id, shard] of topology.shards) pids[id] = shard.pid;
  for (const server of topology.nats) pids[server.host.name] = server.process.pid;
  if (topology.linkFault.kind === 'relay') for (const [id, relay] of topology.linkFault.relays) pids[`${id}-relay`] = relay.pid;
  return pids;
}

/** Healthy: every shard serves, nothing fails. Its p99 and shares are what the faults are compared with. */
async function baseline(): Promise<PhaseResult & { readonly summary: Summary }> {
  const durationMs = 10_000;
  const load = steadyLoad(durationMs);
  const s = summarize(await load.done, load.skipped(), durationMs);
  const everyShard = shardSpecs.every((spec) => (s.byShard[spec.id] ?? 0) > 0);
  return {
    fault: 'none (healthy baseline)',
    sent: s.sent,
    failed: s.failed,
    p99Ms: s.p99Ms,
    pass: s.failed === 0,
    // Not a must-show: the router sends each call to the better of two shards, so a shard a little slower than both others may get none.
    notes: [...loadNotes(s), ...(everyShard ? [] : ['not every shard served (the router prefers the faster ones)'])],
    summary: s,
  };
}

/** The gateway's own view of a shard: healthy, suspect, down, absent… */
async function gatewaySees(shardId: string): Promise<string> {
  return (await gatewayShardStatus(gatewayUrl, [shardId]))[shardId] ?? 'absent';
}

/** Cut shard1's host off the network for 6 s under load, then join it again. */
async function partition(topology: Topology): Promise<PhaseResult> {
  const durationMs = 16_000;
  const target = shardSpecs[0]!;
  const load = steadyLoad(durationMs);
  await at(load, 3_000);
  setLink(target.host, false);
  const cutAt = load.elapsed();
  await at(load, 8_000);
  const seenWhileCut = await gatewaySees(target.id);
  await at(load, 9_000);
  setLink(target.host, true);
  const healedAt = load.elapsed();
  // Rejoined: the gateway counts it healthy again and it answers a call on its own subject.
  let recoveryMs: number | undefined;
  const until = performance.now() + 30_000;
  while (recoveryMs === undefined && performance.now() < until) {
    const [seen, answer] = await Promise.all([gatewaySees(target.id), callShard(topology.operator, target.id, loadFunction, triangle, 1_000).catch((e: unknown) => String(e))]);
    if (seen === 'healthy' && answer === 'ok') recoveryMs = load.elapsed() - healedAt;
    else await sleep(50);
  }
  const outcomes = await load.done;
  const s = summarize(outcomes, load.skipped(), durationMs);
  const during = outcomes.filter((o) => o.at >= cutAt && o.at < healedAt);
  const servedAfter = outcomes.filter((o) => o.ok && o.shard === target.id && o.at > healedAt).length;
  return {
    fault: `${target.id} partitioned 6 s (link down)`,
    sent: s.sent,
    failed: s.failed,
    p99Ms: s.p99Ms,
    ...(recoveryMs === undefined ? {} : { recoveryMs }),
    pass: s.failed === 0 && recoveryMs !== undefined && seenWhileCut !== 'healthy',
    notes: [
      ...loadNotes(s),
      `while cut: ${during.length} calls, p99 ${quantile(
        during.map((o) => o.ms),
        0.99,
      ).toFixed(0)} ms, none failed of them: ${during.every((o) => o.ok)}; the gateway saw ${target.id} ${seenWhileCut}`,
      recoveryMs === undefined
        ? `${target.id} not healthy and answering within 30 s of the heal`
        : `${target.id} healthy in the gateway's view and answering on its subject ${recoveryMs.toFixed(0)} ms after its link came back; it served ${servedAfter} load calls after the heal (the router sends each call to the best-scored shard, so an equal shard may get few)`,
    ],
  };
}

/** Toggle the kill switch and time, per node, until the node itself acts on it: the gateway over HTTP, each shard on its own subject. */
async function propagation(topology: Topology, admin: RegistryAdmin, toggles: number): Promise<{ samples: number[]; perChange: number[]; perNode: Record<string, number[]>; missed: string[] }> {
  const samples: number[] = [];
  const perChange: number[] = [];
  const perNode: Record<string, number[]> = {};
  const missed: string[] = [];
  const nodes: { id: string; answers: () => Promise<string> }[] = [
    {
      id: 'gateway',
      answers: async () => {
        const a = await httpJson('POST', `${gatewayUrl}/functions/${switchFunction}`, switchInput, 1_000);
        return a.status === 200 ? 'ok' : (a.code ?? String(a.status));
      },
    },
    ...shardSpecs.map((spec) => ({ id: spec.id, answers: () => callShard(topology.operator, spec.id, switchFunction, switchInput, 1_000).catch((e: unknown) => `error ${String(e)}`) })),
  ];
  for (let i = 0; i < toggles; i++) {
    const disable = i % 2 === 0;
    const startedAt = performance.now();
    await (disable ? admin.disable(switchFunction, audit) : admin.enable(switchFunction, audit));
    const expected = disable ? 'FUNCTION_DISABLED' : 'ok';
    const times = await Promise.all(
      nodes.map(async (node) => {
        // Generous: a watch whose consumer lived on the killed server only notices when its heartbeats stop coming.
        const until = performance.now() + 30_000;
        while (performance.now() < until) {
          if ((await node.answers()) === expected) return performance.now() - startedAt;
          await sleep(2);
        }
        missed.push(`${node.id} did not ${disable ? 'refuse' : 'serve'} within 30 s of change ${i + 1}`);
        return Number.POSITIVE_INFINITY;
      }),
    );
    nodes.forEach((n, k) => (perNode[n.id] ??= []).push(times[k]!));
    samples.push(...times);
    perChange.push(Math.max(...times));
  }
  return { samples, perChange, perNode, missed };
}

/** SIGKILL nats2 (the preferred server of shard2 and of the operator's connection) under load; registry writes and the kill switch must go on. */
async function natsKill(topology: Topology): Promise<PhaseResult> {
  const durationMs = 20_000;
  const victim = topology.nats.find((s) => s.host === hosts.nats2)!;
  const store = await KvRegistryStore.open({ connection: topology.operator, bucket: registryBucketFor(subjectPrefix), eventStore: new MemoryEventStore(), bindOnly: true });
  if (store === undefined) throw new Error('the registry bucket is missing');
  const admin = new RegistryAdmin(store);
  const notes: string[] = [];
  const load = steadyLoad(durationMs);
  await at(load, 3_000);
  const before = await connectedServers();
  process.kill(victim.process.pid, 'SIGKILL');
  const killedAt = performance.now();
  // Who reconnects where, and when (shard2 and the operator were on the killed server).
  let reconnectMs: number | undefined;
  const moved = (async () => {
    const until = performance.now() + 15_000;
    while (performance.now() < until) {
      const now = await connectedServers();
      const s2 = now.get('lucent-shard-shard2');
      if (s2 !== undefined && s2 !== victim.host.name) {
        reconnectMs = performance.now() - killedAt;
        notes.push(`shard2 was on ${before.get('lucent-shard-shard2') ?? '?'}, reconnected to ${s2} ${reconnectMs.toFixed(0)} ms after the kill`);
        return;
      }
      await sleep(100);
    }
    notes.push('shard2 did not reconnect to another server within 15 s');
  })();
  // A registry write with one server of three down: the bucket's stream keeps its quorum.
  let writeMs: number | undefined;
  const writeUntil = performance.now() + 15_000;
  while (writeMs === undefined && performance.now() < writeUntil) {
    try {
      await admin.weights(switchFunction, { '1.1.0': 1 }, audit);
      writeMs = performance.now() - killedAt;
    } catch (error) {
      await sleep(100);
      if (performance.now() >= writeUntil) notes.push(`no registry write succeeded within 15 s: ${String(error)}`);
    }
  }
  if (writeMs !== undefined) notes.push(`first registry write acknowledged ${writeMs.toFixed(0)} ms after the kill`);
  await moved;
  const propagationFrom = performance.now() - killedAt;
  const prop = await propagation(topology, admin, 10);
  // The first change after the kill is the fault's cost; the ones after it show propagation with a server down.
  const firstChangeMs = prop.perChange[0] ?? Number.POSITIVE_INFINITY;
  const steady = prop.samples.slice(shardSpecs.length + 1).filter(Number.isFinite);
  const propP99 = quantile(steady, 0.99);
  const seen = (prop.samples.length / (shardSpecs.length + 1)).toFixed(0);
  notes.push(
    `kill switch with nats2 down, ${seen} changes (disable/enable) to gateway + 3 shards, each node timed until it acts on it: the first after the kill reached all in ${firstChangeMs.toFixed(0)} ms (per node ${Object.entries(prop.perNode)
      .map(([n, t]) => `${n} ${t[0]!.toFixed(0)}`)
      .join(', ')} ms); the next ${Number(seen) - 1}: p50 ${quantile(steady, 0.5).toFixed(1)} ms, p99 ${propP99.toFixed(1)} ms`,
    ...prop.missed,
  );
  const outcomes = await load.done;
  const s = summarize(outcomes, load.skipped(), durationMs);
  await store.close();
  // Back for the next phases: the same server, config and store; it catches up from the other two.
  victim.process = await startNatsServer(topology.ledger, victim, topology.dir);
  // Recovered once clients moved, a write was acknowledged and a change reached every node.
  const recoveryMs = reconnectMs === undefined || writeMs === undefined || !Number.isFinite(firstChangeMs) ? undefined : Math.max(reconnectMs, propagationFrom + firstChangeMs);
  return {
    fault: 'nats2 SIGKILLed (of 3)',
    sent: s.sent,
    failed: s.failed,
    p99Ms: s.p99Ms,
    ...(recoveryMs === undefined ? {} : { recoveryMs }),
    pass: s.failed === 0 && recoveryMs !== undefined && prop.missed.length === 0,
    notes: [...loadNotes(s), ...notes],
    figures: { reconnectMs, firstWriteMs: writeMs, firstChangeEverywhereMs: firstChangeMs, propagationP99Ms: propP99, propagationSamplesMs: prop.perNode },
  };
}

/**
 * 100 ms of delay and 5% loss on one shard's link under load: the router moves calls off it and the
 * whole p99 stays within 2× of healthy. Healthy is this phase's own first seconds (the machine is
 * shared: another phase's p99 is another minute's noise); the impaired shard is the one that carried
 * most of them, so its share has room to drop.
 */
/** The delay the impaired link adds (netem, or the relay's SIGUSR1 mode). */
const impairedDelayMs = 100;

async function impairedLink(topology: Topology): Promise<PhaseResult> {
  const durationMs = 22_000;
  const fault = topology.linkFault;
  const cpu = sampleCpu(topologyPids(topology));
  const load = steadyLoad(durationMs);
  await at(load, 6_000);
  const healthyWindow = load.outcomes.filter((o) => o.at >= 1_000 && o.at < 6_000);
  const healthyShares = shares(healthyWindow);
  // Through a relay, only a shard still on its preferred server goes through its relay (one that failed over to a
  // fallback, as shard2 does when nats2 is killed, reaches it directly); netem on the link catches every path.
  const where = fault.kind === 'relay' ? await connectedServers() : undefined;
  const candidates = shardSpecs.filter((spec) => where === undefined || where.get(`lucent-shard-${spec.id}`) === spec.nats.name);
  const target = [...(candidates.length > 0 ? candidates : shardSpecs)].sort((a, b) => (healthyShares[b.id] ?? 0) - (healthyShares[a.id] ?? 0))[0]!;
  const relay = fault.kind === 'relay' ? fault.relays.get(target.id)! : undefined;
  if (relay === undefined) impairLink(target.host, impairedDelayMs, 5);
  else process.kill(relay.pid, 'SIGUSR1');
  const impairedAt = load.elapsed();
  await at(load, 18_000);
  if (relay === undefined) clearLink(target.host);
  else process.kill(relay.pid, 'SIGUSR2');
  const clearedAt = load.elapsed();
  const outcomes = await load.done;
  const cpuUse = cpu.stop();
  const s = summarize(outcomes, load.skipped(), durationMs);
  const healthyP99 = quantile(
    healthyWindow.map((o) => o.ms),
    0.99,
  );
  // Judged once the router had a few load reports and latencies to go on.
  const settled = outcomes.filter((o) => o.at >= impairedAt + 4_000 && o.at < clearedAt);
  const settledP99 = quantile(
    settled.map((o) => o.ms),
    0.99,
  );
  const healthyShare = healthyShares[target.id] ?? 0;
  const impairedShare = shares(settled)[target.id] ?? 0;
  // Recovery: from clearing until the shard's share over a 1 s window is back to a quarter of its healthy share.
  let recoveryMs: number | undefined;
  for (let t = clearedAt; t + 1_000 <= durationMs; t += 250) {
    if ((shares(outcomes, t, t + 1_000)[target.id] ?? 0) >= healthyShare / 4) {
      recoveryMs = t + 1_000 - clearedAt;
      break;
    }
  }
  const dropped = impairedShare < healthyShare;
  const ratio = settledP99 / Math.max(0.001, healthyP99);
  // A call through the impaired link pays its delay at least, so a p99 under that delay says fewer than 1% of calls
  // went there. The ratio alone fails on what the link did not cause: a 5 s window's p99 on two cores is 15-26 ms,
  // and one second in which every shard answered late (the machine, not the link) moves a 12 s window's p99 past 2x.
  const underDelay = settledP99 < impairedDelayMs;
  const how = fault.kind === 'netem' ? 'netem' : 'relay: no netem in this kernel';
  return {
    fault: `${target.id} link ${impairedDelayMs} ms delay + 5% loss (${how})`,
    sent: s.sent,
    failed: s.failed,
    p99Ms: settledP99,
    ...(recoveryMs === undefined ? {} : { recoveryMs }),
    pass: s.failed === 0 && dropped && (ratio <= 2 || underDelay),
    notes: [
      ...loadNotes(s),
      `${target.id} (the busiest in the first 5 s of those whose link can be impaired) share ${(healthyShare * 100).toFixed(1)}% healthy → ${(impairedShare * 100).toFixed(1)}% impaired (from 4 s in)${dropped ? '' : ': did not drop'}`,
      `p99 while impaired (from 4 s in) ${settledP99.toFixed(1)} ms vs ${healthyP99.toFixed(1)} ms healthy (this phase's first 5 s): ${ratio.toFixed(2)}× (must be ≤ 2×, or under the link's ${impairedDelayMs} ms: fewer than 1% of calls paid it)`,
      `CPU of each process (% of one core): ${formatCpu(cpuUse)}`,
      recoveryMs === undefined
        ? `${target.id} not back to a quarter of its healthy share within ${((durationMs - clearedAt) / 1_000).toFixed(0)} s of clearing`
        : `back to a quarter of its healthy share ${recoveryMs.toFixed(0)} ms after clearing`,
    ],
    figures: { shard: target.id, healthyShare, impairedShare, healthyP99Ms: healthyP99, impairedP99Ms: settledP99, ratio },
  };
}

/** Collateral the event store holds for a position (the truth the view must equal). */
async function storedCollateral(topology: Topology, positionId: string): Promise<{ events: number; amount: number }> {
  const db = new pg.Client({ connectionString: topology.postgres.url });
  await db.connect();
  try {
    const r = await db.query<{ n: string; amount: string | null }>(
      `SELECT count(*) AS n, sum((data->>'amount')::numeric) AS amount FROM lucent.lucent_events WHERE type = 'CollateralDeposited' AND data->>'positionId' = $1`,
      [positionId],
    );
    return { events: Number(r.rows[0]?.n ?? 0), amount: Number(r.rows[0]?.amount ?? 0) };
  } finally {
    await db.end();
  }
}

/**
 * SIGKILL the Redis master holding the portfolio projection (its view and checkpoint share a slot by
 * hash tag) while deposits flow: the projector resumes on the promoted replica, and the view ends equal
 * to the event store — nothing lost, nothing applied twice.
 */
async function redisFailover(topology: Topology): Promise<PhaseResult> {
  const durationMs = 16_000;
  const owner = `scale-r-${randomUUID().slice(0, 8)}`;
  const positionId = `${owner}-p`;
  const opened = await httpJson('POST', `${gatewayUrl}/positions`, { positionId, owner, pair: 'ETH-USD' }, 5_000);
  if (opened.status !== 201 && opened.status !== 200) throw new Error(`opening the position for the Redis phase failed: ${opened.status} ${JSON.stringify(opened.body)}`);
  const cpu = sampleCpu(topologyPids(topology));
  const seen = watchGatewayView(gatewayUrl, shardSpecs.map((spec) => spec.id));
  const load = steadyLoad(durationMs);
  const deposits: { status: number; code?: string }[] = [];
  const depositor = (async () => {
    const started = performance.now();
    for (let n = 0; performance.now() - started < 12_000 && n < 1_000; n++) {
      const a = await httpJson('POST', `${gatewayUrl}/positions/${positionId}/deposit`, { amount: 1, priceUsd: 1_000 }, 5_000);
      deposits.push({ status: a.status, ...(a.code === undefined ? {} : { code: a.code }) });
      await sleep(20);
    }
  })();
  const viewAmountNow = async (): Promise<number> => {
    const view = await httpJson('GET', `${gatewayUrl}/portfolios/${owner}`, undefined, 2_000);
    return (view.body as { positions?: Record<string, { collateralAmount?: number }> } | undefined)?.positions?.[positionId]?.collateralAmount ?? -1;
  };
  await at(load, 4_000);
  // The view, read every 50 ms from the kill on: when it moves again, the projector commits on the promoted replica.
  const beforeKill = await viewAmountNow();
  const killedAt = performance.now();
  let resumedMs: number | undefined;
  let watching = true;
  const watcher = (async () => {
    while (watching && resumedMs === undefined) {
      const amount = await viewAmountNow();
      if (amount > beforeKill && performance.now() - killedAt > 100) resumedMs = performance.now() - killedAt;
      else await sleep(50);
    }
  })();
  const promotion = await topology.redis.killMaster('{portfolio}');
  await depositor;
  const acknowledged = deposits.filter((d) => d.status === 200 || d.status === 201).length;
  // Views catch up: poll until the owner's view shows what the event store holds.
  const truth = await storedCollateral(topology, positionId);
  let viewAmount = -1;
  let caughtUpMs: number | undefined;
  const until = performance.now() + 30_000;
  while (performance.now() < until) {
    viewAmount = await viewAmountNow();
    if (viewAmount >= truth.amount) {
      caughtUpMs = performance.now() - killedAt;
      break;
    }
    await sleep(100);
  }
  watching = false;
  await watcher;
  // A little longer: a double-applied event would show as a view above the truth.
  await sleep(1_000);
  viewAmount = await viewAmountNow();
  const outcomes = await load.done;
  const [cpuUse, seenSpans] = [cpu.stop(), await seen.stop()];
  const s = summarize(outcomes, load.skipped(), durationMs);
  // The killed master comes back as the promoted one's replica, for the phases after this one.
  const back = await topology.redis.restart(promotion.killed);
  if (back.pid !== undefined) topology.ledger.process(back.pid, `redis-${back.port}`);
  const failedDeposits = deposits.length - acknowledged;
  const exact = viewAmount === truth.amount && truth.events >= acknowledged;
  return {
    fault: 'Redis master SIGKILLed (of 3, 1 replica each)',
    sent: s.sent + deposits.length,
    failed: s.failed + failedDeposits,
    p99Ms: s.p99Ms,
    ...(resumedMs === undefined ? {} : { recoveryMs: resumedMs }),
    pass: s.failed === 0 && exact && caughtUpMs !== undefined && resumedMs !== undefined,
    notes: [
      ...loadNotes(s),
      `CPU of each process (% of one core): ${formatCpu(cpuUse)}`,
      `the gateway's view of the shards (from 0 s, the load's start): ${seenSpans}`,
      `killed the master of slot ${promotion.slot} (the portfolio projection's view and checkpoint), replica ${promotion.promoted.url} promoted, cluster ok again in ${promotion.failoverMs.toFixed(0)} ms`,
      `deposits: ${deposits.length} sent, ${acknowledged} acknowledged${failedDeposits > 0 ? `, ${failedDeposits} not (${[...new Set(deposits.filter((d) => d.status !== 200 && d.status !== 201).map((d) => `${d.status} ${d.code ?? ''}`))].join(', ')})` : ''}; event store ${truth.events} deposits = ${truth.amount}; view ${viewAmount} (${viewAmount === truth.amount ? 'equal: nothing lost, nothing applied twice' : viewAmount > truth.amount ? 'ABOVE the store: applied twice' : 'BELOW the store: lost'})`,
      resumedMs === undefined ? 'the view did not move again while deposits flowed' : `the view moved again ${resumedMs.toFixed(0)} ms after the kill (recovery: the projector committing on the promoted replica)`,
      caughtUpMs === undefined ? 'the view did not catch up within 30 s' : `equal to the event store ${caughtUpMs.toFixed(0)} ms after the kill (deposits went on until 8 s after it)`,
    ],
    figures: { failoverMs: promotion.failoverMs, resumedMs, caughtUpMs, acknowledged, stored: truth, viewAmount },
  };
}

/** The private PostgreSQL stopped (`pg_ctl stop -m fast`) for 2 s and started again while position commands flow: typed UNAVAILABLE while down, nothing acknowledged lost, no service restart. */
async function postgresRestart(topology: Topology): Promise<PhaseResult> {
  const durationMs = 14_000;
  const owner = `scale-${randomUUID().slice(0, 8)}`;
  const gatewayPid = topology.gateway.pid;
  const cpu = sampleCpu(topologyPids(topology));
  const seen = watchGatewayView(gatewayUrl, shardSpecs.map((spec) => spec.id));
  const traffic = watchNatsTraffic();
  const load = steadyLoad(durationMs);
  const writes: { n: number; at: number; status: number; code?: string; ms: number }[] = [];
  const writer = (async () => {
    const started = performance.now();
    for (let n = 0; performance.now() - started < durationMs - 1_000 && n < 2_000; n++) {
      const at = performance.now() - started;
      const a = await httpJson('POST', `${gatewayUrl}/positions`, { positionId: `${owner}-${n}`, owner, pair: 'ETH-USD' }, 5_000);
      writes.push({ n, at, status: a.status, ms: performance.now() - started - at, ...(a.code === undefined ? {} : { code: a.code }) });
      await sleep(20);
    }
  })();
  await at(load, 3_000);
  const restartStarted = load.elapsed();
  await topology.postgres.restart(2_000);
  const restartDone = load.elapsed();
  await writer;
  const outcomes = await load.done;
  const cpuUse = cpu.stop();
  const seenSpans = await seen.stop();
  const busTraffic = await traffic.stop();
  const s = summarize(outcomes, load.skipped(), durationMs);
  const acknowledged = writes.filter((w) => w.status === 201 || w.status === 200);
  const unavailable = writes.filter((w) => w.status === 503 && w.code === 'UNAVAILABLE');
  const other = writes.filter((w) => !acknowledged.includes(w) && !unavailable.includes(w));
  const firstAfter = acknowledged.find((w) => w.at + w.ms > restartDone);
  const recoveryMs = firstAfter === undefined ? undefined : firstAfter.at + firstAfter.ms - restartStarted;
  // Every acknowledged command is in the event store, and in the owner's view once the projection caught up.
  const db = new pg.Client({ connectionString: topology.postgres.url });
  await db.connect();
  const counted = await db.query<{ n: string }>(`SELECT count(*) AS n FROM lucent.lucent_events WHERE type = 'PositionOpened' AND data->>'owner' = $1`, [owner]);
  await db.end();
  const stored = Number(counted.rows[0]?.n ?? 0);
  let viewCount = -1;
  const until = Date.now() + 15_000;
  while (Date.now() < until) {
    const view = await httpJson('GET', `${gatewayUrl}/portfolios/${owner}`, undefined, 2_000);
    viewCount = Object.keys((view.body as { positions?: Record<string, unknown> } | undefined)?.positions ?? {}).length;
    if (viewCount >= acknowledged.length) break;
    await sleep(250);
  }
  const sameGateway = topology.ledger.owns(gatewayPid);
  const otherKinds = [...new Set(other.map((w) => `${w.status}${w.code === undefined ? '' : ` ${w.code}`}`))];
  return {
    fault: 'PostgreSQL restarted (stop -m fast, 2 s down)',
    sent: s.sent + writes.length,
    failed: s.failed + other.length,
    p99Ms: s.p99Ms,
    ...(recoveryMs === undefined ? {} : { recoveryMs }),
    // Refusals seen at all: with 2 s down and a command every ~20 ms, a service that hid the outage would show none.
    pass: s.failed === 0 && other.length === 0 && unavailable.length > 0 && stored >= acknowledged.length && viewCount >= acknowledged.length && recoveryMs !== undefined && sameGateway,
    notes: [
      ...loadNotes(s),
      `position commands: ${writes.length} sent, ${acknowledged.length} acknowledged, ${unavailable.length} refused 503 UNAVAILABLE while down${other.length > 0 ? `, ${other.length} answered otherwise (${otherKinds.join(', ')})` : ''}`,
      `CPU of each process (% of one core): ${formatCpu(cpuUse)}`,
      `the gateway's view of the shards (from 0 s, the load's start): ${seenSpans}`,
      `each NATS client (from 0 s, the load's start): ${busTraffic}`,
      `down and back in ${(restartDone - restartStarted).toFixed(0)} ms; acknowledged commands in the event store ${stored}/${acknowledged.length}, in the portfolio view ${viewCount}/${acknowledged.length}; gateway ${sameGateway ? 'not restarted' : 'RESTARTED or gone'}`,
    ],
  };
}

/** The must-show of the secured bus: the topology runs on it, and a client without rights is refused where it matters. */
async function securityRow(topology: Topology): Promise<PhaseResult> {
  if (topology.security === undefined) return { fault: 'secured bus (not on: --open-bus)', pass: false, notes: ['the run used an open bus; without --open-bus it runs with TLS and role permissions'] };
  const { checks, notes } = await unprivilegedRefused(topology.security, topology.operator);
  return { fault: 'secured bus: client without rights', pass: Object.values(checks).every(Boolean), notes: [topology.security.description, ...notes], figures: { checks } };
}

export async function runPhases(topology: Topology, log: (line: string) => void): Promise<PhaseResult[]> {
  const results: PhaseResult[] = [];
  const record = (r: PhaseResult): void => {
    results.push(r);
    log(`  ${r.pass ? 'ok  ' : 'FAIL'} ${r.fault}: ${r.sent ?? '-'} calls, ${r.failed ?? '-'} failed, p99 ${r.p99Ms?.toFixed(1) ?? '-'} ms, recovery ${r.recoveryMs?.toFixed(0) ?? '-'} ms`);
    for (const n of r.notes) log(`         ${n}`);
  };
  // Warm-up: connections, JIT and the router's view of the three shards.
  log('Warming up (5 s of load)…');
  await steadyLoad(5_000).done;
  log('Phases:');
  record(await securityRow(topology));
  const healthy = await baseline();
  record(healthy);
  record(await partition(topology));
  record(await impairedLink(topology));
  record(await natsKill(topology));
  record(await redisFailover(topology));
  record(await postgresRestart(topology));
  return results;
}
