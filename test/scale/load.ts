// Steady HTTP load on the gateway: calls paced to a rate, each with a deadline, bounded in count and time; every call's outcome, latency and serving shard kept.
import { Agent, request } from 'node:http';

export interface CallOutcome {
  /** When the call was sent, ms since the load started. */
  readonly at: number;
  readonly ms: number;
  readonly ok: boolean;
  readonly status: number;
  readonly shard: string;
  readonly error?: string;
}

export interface LoadOptions {
  readonly url: string;
  readonly body: string;
  readonly ratePerSecond: number;
  readonly durationMs: number;
  /** A call not answered 200 within this is failed (the socket is dropped). */
  readonly deadlineMs: number;
  /** At most this many calls in flight; a call that would exceed it is counted as not sent. */
  readonly maxInFlight: number;
}

export interface LoadRun {
  /** Resolves once every call sent has its outcome. */
  readonly done: Promise<CallOutcome[]>;
  /** ms since this load started. */
  elapsed(): number;
  /** Outcomes so far (the array fills as calls end). */
  readonly outcomes: CallOutcome[];
  /** Calls not sent because `maxInFlight` were still running (the machine could not keep the pace). */
  readonly skipped: () => number;
}

function call(agent: Agent, url: string, body: string, deadlineMs: number): Promise<{ status: number; shard: string; error?: string }> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: { status: number; shard: string; error?: string }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          finish({ status, shard: String(res.headers['x-lucent-shard'] ?? '-'), ...(status === 200 ? {} : { error: `${status} ${text.slice(0, 200)}` }) });
        });
        res.on('error', (e) => finish({ status: 0, shard: '-', error: String(e) }));
      },
    );
    const timer = setTimeout(() => {
      finish({ status: 0, shard: '-', error: `no answer within the ${deadlineMs} ms deadline` });
      req.destroy();
    }, deadlineMs);
    req.on('error', (e) => finish({ status: 0, shard: '-', error: String(e) }));
    req.end(body);
  });
}

/** Start the load; it stops by itself after `durationMs` (and after `rate × duration` calls). */
export function startLoad(options: LoadOptions): LoadRun {
  // Idle sockets are closed here before the gateway's 5 s keep-alive timeout closes them: a request sent on a
  // socket the server is closing fails with "socket hang up" without the server having seen it.
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxInFlight, timeout: 4_000, scheduling: 'fifo' });
  const started = performance.now();
  const elapsed = (): number => performance.now() - started;
  const total = Math.floor((options.ratePerSecond * options.durationMs) / 1_000);
  const outcomes: CallOutcome[] = [];
  const running = new Set<Promise<void>>();
  let skipped = 0;
  const done = (async () => {
    for (let n = 0; n < total && elapsed() < options.durationMs; n++) {
      const due = (n * 1_000) / options.ratePerSecond;
      const wait = due - elapsed();
      // Timers are coarse: sleep only when at least 2 ms ahead, and send the calls that are due in a burst.
      if (wait >= 2) await new Promise((r) => setTimeout(r, wait));
      if (running.size >= options.maxInFlight) {
        skipped++;
        continue;
      }
      const at = elapsed();
      const p = call(agent, options.url, options.body, options.deadlineMs).then((r) => {
        outcomes.push({ at, ms: elapsed() - at, ok: r.status === 200, status: r.status, shard: r.shard, ...(r.error === undefined ? {} : { error: r.error }) });
        running.delete(p);
      });
      running.add(p);
    }
    await Promise.all(running);
    agent.destroy();
    return outcomes;
  })();
  return { done, elapsed, outcomes, skipped: () => skipped };
}

/** The q-quantile (0..1) of the latencies, ms. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

/** Each shard's share of the answered calls in [from, to) ms of the load. */
export function shares(outcomes: readonly CallOutcome[], from = 0, to = Number.POSITIVE_INFINITY): Record<string, number> {
  const window = outcomes.filter((o) => o.ok && o.at >= from && o.at < to);
  const counts: Record<string, number> = {};
  for (const o of window) counts[o.shard] = (counts[o.shard] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v / Math.max(1, window.length)]));
}
