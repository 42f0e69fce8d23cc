// What the scale run asks the topology besides the load: one HTTP call, one call straight to a shard over NATS, who is connected to which NATS server, how busy each process was.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { NatsConnection } from 'nats';
import { callSubject, decodeJson, encodeCallHeaders, encodeJson } from '@lucent/nats';
import { subjectPrefix } from './lucent.js';
import { natsMonitorPort, natsHosts } from './servers.js';

export interface HttpAnswer {
  readonly status: number;
  readonly code?: string;
  readonly body: unknown;
  readonly error?: string;
}

/** One HTTP request with a deadline; a network error or a missed deadline is status 0. */
export async function httpJson(method: 'GET' | 'POST', url: string, body: unknown, deadlineMs: number): Promise<HttpAnswer> {
  try {
    const response = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(deadlineMs),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // Not JSON: kept as text.
    }
    const code = typeof parsed === 'object' && parsed !== null && typeof (parsed as { code?: unknown }).code === 'string' ? (parsed as { code: string }).code : undefined;
    return { status: response.status, body: parsed, ...(code === undefined ? {} : { code }) };
  } catch (error) {
    return { status: 0, body: undefined, error: String(error) };
  }
}

/**
 * Call `name` on one shard directly (its own subject, as the gateway's router does), so a check sees
 * what that shard itself decides. Resolves with the error code it answered, or 'ok'.
 */
export async function callShard(connection: NatsConnection, shardId: string, name: string, input: unknown, timeoutMs: number): Promise<string> {
  const headers = encodeCallHeaders({ name, input, deadline: Date.now() + timeoutMs, attempt: 1, correlationId: `scale-${randomUUID()}` });
  const reply = await connection.request(callSubject(subjectPrefix, shardId), encodeJson(input), { headers, timeout: timeoutMs });
  const answer = decodeJson(reply.data) as { ok?: boolean; error?: { code?: string } };
  return answer.ok === true ? 'ok' : (answer.error?.code ?? 'unknown');
}

/** The NATS server (by name) each named client is connected to now, from the servers' monitoring (connz). */
export async function connectedServers(): Promise<Map<string, string>> {
  const where = new Map<string, string>();
  for (const key of (await connectionCounts()).keys()) {
    const at = key.lastIndexOf('@');
    where.set(key.slice(0, at), key.slice(at + 1));
  }
  return where;
}

/** One process's CPU over a phase, in % of one core: its mean, and its busiest second (when, from the sampler's start). */
export interface CpuUse {
  readonly meanPct: number;
  readonly peakPct: number;
  readonly peakAtS: number;
}

/** utime + stime of a process from /proc, in clock ticks (100 a second on Linux); undefined once it is gone. */
function cpuTicks(pid: number): number | undefined {
  try {
    // The command name (field 2) may hold spaces: the fields after it start past its closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/**
 * Samples the CPU of the named processes once a second until `stop`: which process was busy when a
 * phase went wrong (a gateway at 100% of its core queues calls past their deadline; a shard that is
 * idle while calls time out was not sent them).
 */
export function sampleCpu(pids: Readonly<Record<string, number>>): { stop(): Record<string, CpuUse> } {
  const ticksPerSecond = 100;
  const started = performance.now();
  const seconds: Record<string, number[]> = {};
  let last: Record<string, number | undefined> = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuTicks(pid)]));
  let lastAt = started;
  const take = (): void => {
    const now = performance.now();
    const next = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuTicks(pid)]));
    for (const [name, ticks] of Object.entries(next)) {
      const before = last[name];
      if (ticks === undefined || before === undefined) continue;
      (seconds[name] ??= []).push((((ticks - before) / ticksPerSecond) * 100_000) / Math.max(1, now - lastAt));
    }
    last = next;
    lastAt = now;
  };
  const timer = setInterval(take, 1_000);
  return {
    stop() {
      clearInterval(timer);
      return Object.fromEntries(
        Object.entries(seconds).map(([name, pcts]) => {
          const peak = Math.max(...pcts);
          return [name, { meanPct: pcts.reduce((a, b) => a + b, 0) / Math.max(1, pcts.length), peakPct: peak, peakAtS: pcts.indexOf(peak) + 1 }];
        }),
      );
    },
  };
}

/** `gateway 54% (peak 97% in second 6), shard1 …`, busiest first. */
export function formatCpu(use: Readonly<Record<string, CpuUse>>): string {
  return Object.entries(use)
    .sort((a, b) => b[1].meanPct - a[1].meanPct)
    .map(([name, u]) => `${name} ${u.meanPct.toFixed(0)}% (peak ${u.peakPct.toFixed(0)}% in second ${u.peakAtS})`)
    .join(', ');
}

/** Each shard's status in a gateway's own view (its console's cluster view, from the load reports it receives): healthy, suspect, down…; absent when not listed. */
export async function gatewayShardStatus(gatewayUrl: string, shardIds: readonly string[]): Promise<Record<string, string>> {
  const view = await httpJson('GET', `${gatewayUrl}/console/api/cluster`, undefined, 1_000);
  const listed = (view.body as { shards?: { id: string; status: string }[] } | undefined)?.shards ?? [];
  return Object.fromEntries(shardIds.map((id) => [id, listed.find((s) => s.id === id)?.status ?? 'absent']));
}

/**
 * Polls a gateway every 250 ms until `stop` and says when it saw a shard other than healthy (its
 * console's cluster view, from the load reports it receives) or had its circuit to a shard open
 * (`lucent_breaker_state{shard}` in /metrics): calls that time out with no shard answering while the
 * shards idle is what either looks like from outside.
 */
export function watchGatewayView(gatewayUrl: string, shardIds: readonly string[]): { stop(): Promise<string> } {
  const started = performance.now();
  const spans: string[] = [];
  const since = new Map<string, number>();
  const second = (at: number): string => ((at - started) / 1_000).toFixed(1);
  let stopped = false;
  const look = async (): Promise<Set<string>> => {
    const seen = new Set<string>();
    const [metrics, statuses] = await Promise.all([
      fetch(`${gatewayUrl}/metrics`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.text()),
      gatewayShardStatus(gatewayUrl, shardIds),
    ]);
    for (const m of metrics.matchAll(/^lucent_breaker_state\{shard="([^"]+)"\} (\d)/gm)) if (m[2] !== '0') seen.add(`${m[1]!} circuit ${m[2] === '1' ? 'open' : 'half-open'}`);
    for (const [id, status] of Object.entries(statuses)) if (status !== 'healthy') seen.add(`${id} ${status}`);
    return seen;
  };
  const poll = async (): Promise<void> => {
    while (!stopped) {
      const now = await look().catch(() => undefined);
      const at = performance.now();
      if (now !== undefined) {
        for (const key of now) if (!since.has(key)) since.set(key, at);
        for (const [key, from] of since) {
          if (now.has(key)) continue;
          spans.push(`${key} ${second(from)}-${second(at)} s`);
          since.delete(key);
        }
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const running = poll();
  return {
    async stop() {
      stopped = true;
      await running;
      for (const [key, from] of since) spans.push(`${key} from ${second(from)} s`);
      return spans.length === 0 ? 'every shard healthy, every circuit closed throughout' : spans.join(', ');
    },
  };
}

/** One client connection's counters as its NATS server reports them (connz). */
interface ConnCounts {
  /** Messages the server received from the client. */
  readonly fromClient: number;
  /** Messages the server sent to the client. */
  readonly toClient: number;
  /** Bytes the server holds for the client, not yet written to its socket. */
  readonly pendingBytes: number;
}

/** Every named client connection's counters now, from each NATS server's monitoring (connz); a server that does not answer is left out. */
async function connectionCounts(): Promise<Map<string, ConnCounts>> {
  const now = new Map<string, ConnCounts>();
  await Promise.all(
    natsHosts.map(async (host) => {
      try {
        const response = await fetch(`http://${host.address}:${natsMonitorPort}/connz?limit=1024`, { signal: AbortSignal.timeout(1_000) });
        const connz = (await response.json()) as { connections?: { name?: string; in_msgs?: number; out_msgs?: number; pending_bytes?: number }[] };
        for (const c of connz.connections ?? []) {
          if (c.name === undefined) continue;
          now.set(`${c.name}@${host.name}`, { fromClient: c.in_msgs ?? 0, toClient: c.out_msgs ?? 0, pendingBytes: c.pending_bytes ?? 0 });
        }
      } catch {
        // That server is down or slow to answer.
      }
    }),
  );
  return now;
}

/**
 * Each client connection's messages per second to and from its NATS server, and the largest backlog
 * the server held for it (pending_bytes), from connz every 250 ms. A call that nobody answers while
 * every process is idle has waited somewhere on the bus: a second whose count drops, or a backlog,
 * says on which connection.
 */
export function watchNatsTraffic(): { stop(): Promise<string> } {
  const started = performance.now();
  let last = new Map<string, ConnCounts>();
  const seen = new Map<string, { from: number[]; to: number[]; backlog: number; backlogAt: number }>();
  let stopped = false;
  const look = async (): Promise<void> => {
    const now = await connectionCounts();
    const at = (performance.now() - started) / 1_000;
    const second = Math.floor(at);
    for (const [name, c] of now) {
      const entry = seen.get(name) ?? { from: [], to: [], backlog: 0, backlogAt: 0 };
      const before = last.get(name);
      // A reconnected client starts its counters again: that quarter-second counts from zero.
      if (before !== undefined) {
        entry.from[second] = (entry.from[second] ?? 0) + Math.max(0, c.fromClient - before.fromClient);
        entry.to[second] = (entry.to[second] ?? 0) + Math.max(0, c.toClient - before.toClient);
      }
      if (c.pendingBytes > entry.backlog) Object.assign(entry, { backlog: c.pendingBytes, backlogAt: at });
      seen.set(name, entry);
    }
    last = now;
  };
  const running = (async () => {
    while (!stopped) {
      await look();
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await running;
      return [...seen]
        .filter(([, e]) => e.from.some((n) => n > 0) || e.to.some((n) => n > 0))
        .map(([name, e]) => {
          const seconds = Array.from(e.from, (f, i) => `${f ?? 0}/${e.to[i] ?? 0}`).join(' ');
          return `${name} messages from/to it each second ${seconds}, largest backlog ${e.backlog} B at ${e.backlogAt.toFixed(1)} s`;
        })
        .join('; ');
    },
  };
}
