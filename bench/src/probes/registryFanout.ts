// How a registry change's fan-out grows with the number of nodes: one KV put, N KV watchers (one connection each, as N
// nodes have), time until the first and the last of them sees it. A diagnostic for docs/scaling.md, not a bench case:
// `node bench/dist/probes/registryFanout.js [N ...]` (default 1 3 10 30 100; NATS from LUCENT_NATS_URL or 127.0.0.1:4222).
// All N watchers live in this one process, so their decoding runs one after another on one core: an upper bound on
// what N nodes on N hosts would see, which decode in parallel.
import { randomUUID } from 'node:crypto';
import { connect, KvWatchInclude, type NatsConnection } from 'nats';

const server = (process.env['LUCENT_NATS_URL'] ?? 'nats://127.0.0.1:4222').replace(/^nats:\/\//, '');
const sizes = process.argv.slice(2).map(Number);
const changes = 200;
const warmup = 5;
const waitMs = 10_000;
const wallMs = (): number => performance.timeOrigin + performance.now();

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

async function fanout(n: number): Promise<{ first: number[]; last: number[] }> {
  const bucket = `lucent-fanout-probe-${randomUUID().slice(0, 8)}`;
  const writer = await connect({ servers: server });
  const kv = await writer.jetstream().views.kv(bucket, { history: 1 });
  const nodes: NatsConnection[] = [];
  // revision → times at which each watcher saw it
  const seen = new Map<number, number[]>();
  const stops: (() => void)[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const nc = await connect({ servers: server });
      nodes.push(nc);
      const watch = await (await nc.jetstream().views.kv(bucket)).watch({ include: KvWatchInclude.UpdatesOnly });
      stops.push(() => watch.stop());
      void (async () => {
        for await (const e of watch) {
          let times = seen.get(e.revision);
          if (times === undefined) seen.set(e.revision, (times = []));
          times.push(wallMs());
        }
      })();
    }
    const first: number[] = [];
    const last: number[] = [];
    for (let i = 0; i < changes + warmup; i++) {
      const startedAt = wallMs();
      const revision = await kv.put('pricing.quote', new TextEncoder().encode(JSON.stringify({ weights: { '2.0.0': i } })));
      const end = Date.now() + waitMs;
      while ((seen.get(revision)?.length ?? 0) < n && Date.now() < end) await new Promise((r) => setImmediate(r));
      const times = seen.get(revision) ?? [];
      if (times.length < n) throw new Error(`only ${times.length} of ${n} watchers saw revision ${revision} within ${waitMs} ms`);
      if (i >= warmup) {
        first.push(Math.min(...times) - startedAt);
        last.push(Math.max(...times) - startedAt);
      }
    }
    return { first: first.sort((a, b) => a - b), last: last.sort((a, b) => a - b) };
  } finally {
    for (const stop of stops) stop();
    await Promise.all(nodes.map((nc) => nc.close()));
    await kv.destroy().catch(() => undefined);
    await writer.close();
  }
}

const rows: string[] = ['| watchers | first p50 ms | last p50 ms | last p99 ms |', '|---:|---:|---:|---:|'];
for (const n of sizes.length > 0 ? sizes : [1, 3, 10, 30, 100]) {
  if (!Number.isInteger(n) || n < 1 || n > 500) throw new RangeError(`watchers must be integers in 1..500, got ${n}`);
  const { first, last } = await fanout(n);
  rows.push(`| ${n} | ${quantile(first, 0.5).toFixed(2)} | ${quantile(last, 0.5).toFixed(2)} | ${quantile(last, 0.99).toFixed(2)} |`);
  console.error(rows.at(-1));
}
console.log(rows.join('\n'));
