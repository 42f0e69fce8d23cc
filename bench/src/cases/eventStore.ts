// Benchmarks of the write and read sides: appends vs raw pg and Emmett, command round trip, projection lag, Redis query vs raw GET.
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import { decisionFunction, type Decider, type DomainEvent } from '@lucent/core';
import { createPostgresEventStore, type SqlEventStore } from '@lucent/postgres';
import { RedisProjectionStore } from '@lucent/redis';
import { DeciderCommandHandler, FunctionManager, Projector, type ProjectionStore } from '@lucent/runtime';
import { z } from 'zod';

export interface EventStoreBenchOptions {
  /** Admin URL of the PostgreSQL server; a throw-away database is created on it and dropped afterwards. */
  readonly postgresUrl?: string;
  readonly redisUrl?: string;
  /** Time per measured window (each side runs several windows, alternating). */
  readonly windowMs?: number;
  readonly rounds?: number;
  /** Only cases whose name starts with this. */
  readonly filter?: string;
}

export interface EventStoreBenchResult {
  readonly case: string;
  readonly metric: 'p50_us' | 'p99_us' | 'events_per_s';
  readonly higherIsBetter: boolean;
  readonly lucent: number;
  readonly baselines: Record<string, number>;
}

const payload = { pair: 'ETH-USD', side: 'buy', qty: 1.25, priceUsd: 3012.5, account: 'acct-42' };
const metadata = { correlationId: 'bench-corr', userId: 'bench-user' };

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Run `op` sequentially for `ms` and return each call's latency in µs. */
async function latencies(ms: number, op: (i: number) => Promise<unknown>, warmup = 50): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await op(-i - 1);
  const out: number[] = [];
  const end = performance.now() + ms;
  for (let i = 0; performance.now() < end && i < 1_000_000; i++) {
    const t = performance.now();
    await op(i);
    out.push((performance.now() - t) * 1000);
  }
  return out;
}

/** Run each side in alternating windows so machine drift hits all of them; merge samples per side. */
async function alternate(
  rounds: number,
  sides: Record<string, () => Promise<number[]>>,
): Promise<Record<string, number[]>> {
  const merged: Record<string, number[]> = Object.fromEntries(Object.keys(sides).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, run] of Object.entries(sides)) (merged[name] as number[]).push(...(await run()));
  }
  for (const v of Object.values(merged)) v.sort((a, b) => a - b);
  return merged;
}

type Ev = DomainEvent<'Traded', { qty: number }>;
const ledger: Decider<{ account: string; qty: number }, Ev, { total: number }> = {
  initialState: () => ({ total: 0 }),
  evolve: (s, e) => ({ total: s.total + e.data.qty }),
  decide: (c) => [{ type: 'Traded', data: { qty: c.qty } }],
};

export async function runEventStoreBench(options: EventStoreBenchOptions = {}): Promise<EventStoreBenchResult[]> {
  const adminUrl = options.postgresUrl ?? process.env['LUCENT_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl = options.redisUrl ?? process.env['LUCENT_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  const windowMs = options.windowMs ?? 1_500;
  const rounds = options.rounds ?? 3;
  const wanted = (name: string): boolean => options.filter === undefined || name.startsWith(options.filter);
  const results: EventStoreBenchResult[] = [];

  const tag = randomBytes(4).toString('hex');
  const database = `lucent_bench_es_${tag}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const dbUrl = url.toString();
  const redisPrefix = `lucent:bench:${tag}:`;

  const store: SqlEventStore = await createPostgresEventStore({ connectionString: dbUrl, schema: 'lucent', maxConnections: 4 });
  const raw = new pg.Pool({ connectionString: dbUrl, max: 4 });
  const emmett = getPostgreSQLEventStore(dbUrl);
  const redis = new Redis(redisUrl);
  const views = new RedisProjectionStore({ url: redisUrl, prefix: redisPrefix });
  try {
    // The raw baseline writes the same row shape into the same kind of table, with no version check.
    await raw.query(`CREATE TABLE raw_events (global_position bigserial PRIMARY KEY, stream_id text NOT NULL,
      stream_version bigint NOT NULL, event_id uuid NOT NULL, type text NOT NULL, data jsonb NOT NULL,
      metadata jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), UNIQUE (stream_id, stream_version))`);
    const dataJson = JSON.stringify(payload);
    const metaJson = JSON.stringify(metadata);

    if (wanted('append.single')) {
      let rawVersion = 0;
      const s = await alternate(rounds, {
        lucent: () => latencies(windowMs, () => store.append(`single-${tag}`, [{ type: 'Traded', data: payload, metadata }])),
        'raw-pg': () =>
          latencies(windowMs, () =>
            raw.query({
              name: 'raw-single',
              text: `INSERT INTO raw_events (stream_id, stream_version, event_id, type, data, metadata)
                     VALUES ($1, $2, $3, $4, $5, $6)`,
              values: [`raw-${tag}`, ++rawVersion, randomUUID(), 'Traded', dataJson, metaJson],
            }),
          ),
      });
      for (const [metric, p] of [['p50_us', 50], ['p99_us', 99]] as const) {
        results.push({
          case: 'append.single',
          metric,
          higherIsBetter: false,
          lucent: percentile(s['lucent'] as number[], p),
          baselines: { 'raw-pg': percentile(s['raw-pg'] as number[], p) },
        });
      }
    }

    if (wanted('append.batch')) {
      const batch = 100;
      const events = Array.from({ length: batch }, () => ({ type: 'Traded', data: payload, metadata }));
      const rawText =
        `INSERT INTO raw_events (stream_id, stream_version, event_id, type, data, metadata) VALUES ` +
        Array.from({ length: batch }, (_, i) => `($${i * 6 + 1}, $${i * 6 + 2}, $${i * 6 + 3}, $${i * 6 + 4}, $${i * 6 + 5}, $${i * 6 + 6})`).join(', ');
      let rawVersion = 0;
      let stream = 0;
      const s = await alternate(rounds, {
        lucent: () => latencies(windowMs, () => store.append(`batch-${tag}-${stream++ % 64}`, events), 5),
        'raw-pg-prepared': () =>
          latencies(
            windowMs,
            () => {
              const values: unknown[] = [];
              for (let i = 0; i < batch; i++) values.push(`rawb-${tag}`, ++rawVersion, randomUUID(), 'Traded', dataJson, metaJson);
              return raw.query({ name: 'raw-batch', text: rawText, values });
            },
            5,
          ),
        emmett: () =>
          latencies(
            windowMs,
            () => emmett.appendToStream(`emmett-${tag}-${stream++ % 64}`, events.map((e) => ({ type: e.type, data: e.data, metadata }))),
            5,
          ),
      });
      const rate = (xs: readonly number[]): number => (xs.length * batch) / (xs.reduce((a, b) => a + b, 0) / 1e6);
      results.push({
        case: 'append.batch',
        metric: 'events_per_s',
        higherIsBetter: true,
        lucent: rate(s['lucent'] as number[]),
        baselines: { 'raw-pg-prepared': rate(s['raw-pg-prepared'] as number[]), emmett: rate(s['emmett'] as number[]) },
      });
    }

    if (wanted('command.roundtrip')) {
      const functions = new FunctionManager().register(
        decisionFunction({ name: 'bench.trade', version: '1.0.0', command: z.object({ account: z.string(), qty: z.number() }) }, ledger),
      );
      const handler = new DeciderCommandHandler({
        store,
        functions,
        decider: ledger,
        decision: 'bench.trade',
        streamOf: (c: { account: string; qty: number }) => `cmd-${tag}-${c.account}`,
      });
      // Streams of 10 events on average: a realistic fold, not an empty one.
      const s = await alternate(rounds, {
        lucent: () => latencies(windowMs, (i) => handler.handle({ account: `a${Math.abs(i) % 100}`, qty: 1 })),
      });
      for (const [metric, p] of [['p50_us', 50], ['p99_us', 99]] as const) {
        results.push({ case: 'command.roundtrip', metric, higherIsBetter: false, lucent: percentile(s['lucent'] as number[], p), baselines: {} });
      }
    }

    if (wanted('projection.lag')) {
      const lagStore = await createPostgresEventStore({ connectionString: dbUrl, schema: 'lag', maxConnections: 4 });
      const projection = {
        name: `lag-${tag}`,
        keyOf: (e: { stream: string }) => e.stream,
        initialView: () => ({ count: 0 }),
        apply: (v: { count: number }) => ({ count: v.count + 1 }),
      };
      const visibleAt = new Map<number, number>();
      const timed: ProjectionStore = Object.assign(Object.create(views) as RedisProjectionStore, {
        commit: async (...args: Parameters<ProjectionStore['commit']>) => {
          const ok = await views.commit(...args);
          visibleAt.set(args[3], performance.now());
          return ok;
        },
      });
      const projector = new Projector({ events: lagStore, views: timed, projection, pollIntervalMs: 1_000 });
      await projector.start();
      // 2,000 events/s as 10-event appends every 5 ms, each to one of 50 streams.
      const sent: { position: number; at: number }[] = [];
      const total = Math.max(2_000, Math.round((windowMs * rounds * 2_000) / 1000));
      const started = performance.now();
      const inFlight: Promise<void>[] = [];
      for (let i = 0; i < total / 10; i++) {
        const due = started + i * 5;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const at = performance.now();
        inFlight.push(
          lagStore
            .append(`lag-${i % 50}`, Array.from({ length: 10 }, () => ({ type: 'Traded', data: payload })))
            .then((r) => void sent.push({ position: r.lastGlobalPosition, at })),
        );
        if (inFlight.length > 64) await inFlight.shift();
      }
      await Promise.all(inFlight);
      const last = Math.max(...sent.map((x) => x.position));
      await projector.waitFor(last, 60_000);
      await projector.stop();
      const commits = [...visibleAt.entries()].sort((a, b) => a[0] - b[0]);
      const lags = sent
        .map(({ position, at }) => {
          const c = commits.find(([p]) => p >= position);
          return c === undefined ? Number.NaN : (c[1] - at) * 1000;
        })
        .filter((x) => Number.isFinite(x))
        .sort((a, b) => a - b);
      const elapsed = (performance.now() - started) / 1000;
      for (const [metric, p] of [['p50_us', 50], ['p99_us', 99]] as const) {
        results.push({
          case: 'projection.lag',
          metric,
          higherIsBetter: false,
          lucent: percentile(lags, p),
          baselines: {},
        });
      }
      results.push({ case: 'projection.lag', metric: 'events_per_s', higherIsBetter: true, lucent: total / elapsed, baselines: {} });
      await views.dropGeneration(projection.name, 1);
      await lagStore.close();
    }

    if (wanted('query.projection')) {
      const projection = `query-${tag}`;
      const view = { owner: 'alice', openPositions: 2, collateralUsd: 12000, debtUsd: 600, positions: { p1: { pair: 'ETH-USD' } } };
      await views.commit(projection, 1, 0, 1, new Map([['alice', { view, position: 1 }]]));
      const key = `${redisPrefix}{${projection}}:g1:v:alice`;
      const s = await alternate(rounds, {
        lucent: () => latencies(windowMs, () => views.get(projection, 'alice'), 200),
        'raw-ioredis': () => latencies(windowMs, () => redis.get(key), 200),
      });
      for (const [metric, p] of [['p50_us', 50], ['p99_us', 99]] as const) {
        results.push({
          case: 'query.projection',
          metric,
          higherIsBetter: false,
          lucent: percentile(s['lucent'] as number[], p),
          baselines: { 'raw-ioredis': percentile(s['raw-ioredis'] as number[], p) },
        });
      }
      await views.dropGeneration(projection, 1);
    }
  } finally {
    await store.close();
    await emmett.close();
    await raw.end();
    await views.close();
    await redis.quit();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
  return results;
}
