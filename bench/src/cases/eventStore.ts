// Write and read sides: appends vs raw pg and Emmett, command round trip, projection lag at a steady rate, Redis query vs raw GET.
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import { decisionFunction, type Decider, type DomainEvent, type ViewRecord } from '@lucent/core';
import { createPostgresEventStore, type SqlEventStore } from '@lucent/postgres';
import { RedisProjectionStore } from '@lucent/redis';
import { DeciderCommandHandler, FunctionManager, Projector, QueryBus, type ProjectionStore } from '@lucent/runtime';
import { z } from 'zod';
import { compareLatency, compareOps } from '../harness/alternate.js';
import { LatencyRecorder } from '../harness/latencyRecorder.js';
import { pacedLoad } from '../harness/pacedLoad.js';
import { wants, type BenchArea, type BenchOptions, type BenchResult } from '../harness/types.js';

// Every side starts from these objects: the raw sides hand them to pg, which serializes an object
// parameter as JSON (what a hand-written append does), as Lucent serializes each event's data.
const payload = { pair: 'ETH-USD', side: 'buy', qty: 1.25, priceUsd: 3012.5, account: 'acct-42' };
const metadata = { correlationId: 'bench-corr', userId: 'bench-user' };
/** The same payload as JSON text made once, for append.batch's second floor (serialization left out). */
const dataJson = JSON.stringify(payload);
const metaJson = JSON.stringify(metadata);
const batchSize = 100;

type Traded = DomainEvent<'Traded', { qty: number }>;
const ledger: Decider<{ account: string; qty: number }, Traded, { total: number }> = {
  initialState: () => ({ total: 0 }),
  evolve: (s, e) => ({ total: s.total + e.data.qty }),
  decide: (c) => [{ type: 'Traded', data: { qty: c.qty } }],
};

/** Everything one run of the area shares: a throw-away database, the stores and the raw clients. */
interface Fixture {
  readonly tag: string;
  readonly dbUrl: string;
  readonly store: SqlEventStore;
  readonly raw: pg.Pool;
  readonly emmett: ReturnType<typeof getPostgreSQLEventStore>;
  readonly redis: Redis;
  readonly views: RedisProjectionStore;
}

function percentiles(
  caseName: string,
  lucent: { p50Us: number; p99Us: number },
  baselines: Record<string, { p50Us: number; p99Us: number }>,
  note: string,
): BenchResult[] {
  return (['p50', 'p99'] as const).map((p) => ({
    case: caseName,
    metric: `${p}_us` as const,
    higherIsBetter: false,
    lucent: lucent[`${p}Us`],
    baselines: Object.fromEntries(Object.entries(baselines).map(([k, v]) => [k, v[`${p}Us`]])),
    note,
  }));
}

const rawInsert = `INSERT INTO raw_events (stream_id, stream_version, event_id, type, data, metadata) VALUES `;
const rawRow = (i: number): string => `($${i * 6 + 1}, $${i * 6 + 2}, $${i * 6 + 3}, $${i * 6 + 4}, $${i * 6 + 5}, $${i * 6 + 6})`;

async function appendSingle(f: Fixture, options: BenchOptions): Promise<BenchResult[]> {
  let rawVersion = 0;
  const s = await compareLatency(options, {
    lucent: () => f.store.append(`single-${f.tag}`, [{ type: 'Traded', data: payload, metadata }]),
    'raw-pg': () =>
      f.raw.query({
        name: 'raw-single',
        text: rawInsert + rawRow(0),
        values: [`raw-${f.tag}`, ++rawVersion, randomUUID(), 'Traded', payload, metadata],
      }),
    emmett: () => f.emmett.appendToStream(`emmett-single${f.tag}`, [{ type: 'Traded', data: payload, metadata }]),
  });
  return percentiles(
    'append.single',
    s.lucent,
    { 'raw-pg': s['raw-pg'], emmett: s.emmett },
    'one event appended to one stream, one call in flight, fsync on (default synchronous_commit) for all sides; raw-pg is a named ' +
      'prepared INSERT of the same row (the same objects, serialized by pg) into a table of the same shape, with no version check; ' +
      'Emmett 0.42 appendToStream on the same database.',
  );
}

async function appendBatch(f: Fixture, options: BenchOptions): Promise<BenchResult[]> {
  const events = Array.from({ length: batchSize }, () => ({ type: 'Traded', data: payload, metadata }));
  const rawText = rawInsert + Array.from({ length: batchSize }, (_, i) => rawRow(i)).join(', ');
  let rawVersion = 0;
  let lucentStream = 0;
  let emmettStream = 0;
  const rawBatch = (data: unknown, meta: unknown) => () => {
    const values: unknown[] = [];
    for (let i = 0; i < batchSize; i++) values.push(`rawb-${f.tag}`, ++rawVersion, randomUUID(), 'Traded', data, meta);
    return f.raw.query({ name: 'raw-batch', text: rawText, values });
  };
  const rates = await compareOps(options, {
    lucent: { op: () => f.store.append(`batch-${f.tag}-${lucentStream++ % 64}`, events), opsPerCall: batchSize },
    'raw-pg-prepared': { op: rawBatch(payload, metadata), opsPerCall: batchSize },
    'raw-pg-prepared-text': { op: rawBatch(dataJson, metaJson), opsPerCall: batchSize },
    emmett: { op: () => f.emmett.appendToStream(`emmett-${f.tag}${emmettStream++ % 64}`, events), opsPerCall: batchSize },
  });
  return [
    {
      case: 'append.batch',
      metric: 'events_per_s',
      higherIsBetter: true,
      lucent: rates.lucent,
      baselines: {
        'raw-pg-prepared': rates['raw-pg-prepared'],
        'raw-pg-prepared-text': rates['raw-pg-prepared-text'],
        emmett: rates.emmett,
      },
      note:
        `${batchSize} events per append, one append in flight, fsync on; Lucent and Emmett spread over 64 streams with ` +
        'expected version "any"; raw-pg-prepared is one named prepared multi-row INSERT of the same rows (no version check), ' +
        "its data and metadata the same objects Lucent is given (pg serializes them); raw-pg-prepared-text is that INSERT " +
        'handed JSON text made once before the run, so it leaves out the serializing every other side does.',
    },
  ];
}

/**
 * Each in-flight call takes a stream no other call in flight holds (a free list), so `writers`
 * concurrent appends never contend for one stream's row: the case measures commits of different
 * streams, which the position lock of migration 3 made take turns.
 */
function ownStreams(prefix: string, writers: number): <T>(work: (stream: string) => Promise<T>) => Promise<T> {
  const free = Array.from({ length: writers }, (_, i) => `${prefix}-${i}`);
  return async (work) => {
    const stream = free.pop() ?? `${prefix}-extra`;
    try {
      return await work(stream);
    } finally {
      free.push(stream);
    }
  };
}

async function appendConcurrent(f: Fixture, options: BenchOptions, writers: number): Promise<BenchResult[]> {
  // One pool of `writers` connections shared by the sides (they take turns), so every side has a
  // connection per writer and the run stays far below max_connections (3 pools of 64 would not).
  const pool = new pg.Pool({ connectionString: f.dbUrl, max: writers });
  pool.on('error', () => undefined);
  const store = await createPostgresEventStore({ pool, schema: 'lucent' });
  const raw = pool;
  const emmett = getPostgreSQLEventStore(f.dbUrl, { connectionOptions: { pool, pooled: true } });
  const lucentStream = ownStreams(`conc${writers}-${f.tag}`, writers);
  const rawStream = ownStreams(`rawc${writers}-${f.tag}`, writers);
  const emmettStream = ownStreams(`emmc${writers}-${f.tag}`, writers);
  const rawVersions = new Map<string, number>();
  try {
    const rates = await compareOps(options, {
      lucent: {
        op: () => lucentStream((stream) => store.append(stream, [{ type: 'Traded', data: payload, metadata }])),
        concurrency: writers,
      },
      'raw-pg': {
        op: () =>
          rawStream((stream) => {
            const version = (rawVersions.get(stream) ?? 0) + 1;
            rawVersions.set(stream, version);
            return raw.query({
              name: 'raw-single',
              text: rawInsert + rawRow(0),
              values: [stream, version, randomUUID(), 'Traded', payload, metadata],
            });
          }),
        concurrency: writers,
      },
      emmett: {
        op: () => emmettStream((stream) => emmett.appendToStream(stream, [{ type: 'Traded', data: payload, metadata }])),
        concurrency: writers,
      },
    });
    return [
      {
        case: `append.concurrent.${writers}`,
        metric: 'events_per_s',
        higherIsBetter: true,
        lucent: rates.lucent,
        baselines: { 'raw-pg': rates['raw-pg'], emmett: rates.emmett },
        note:
          `${writers} writers, one event per append, each writer on a stream no other holds at the time, fsync on; every side ` +
          `shares one pool of ${writers} connections; raw-pg is the named prepared INSERT of append.single (no version check); ` +
          'Emmett 0.42 appendToStream on the same database.',
      },
    ];
  } finally {
    await Promise.allSettled([store.close(), emmett.close()]);
    await pool.end();
  }
}

async function commandRoundtrip(f: Fixture, options: BenchOptions): Promise<BenchResult[]> {
  const functions = new FunctionManager().register(
    decisionFunction({ name: 'bench.trade', version: '1.0.0', command: z.object({ account: z.string(), qty: z.number() }) }, ledger),
  );
  const handler = new DeciderCommandHandler({
    store: f.store,
    functions,
    decider: ledger,
    decision: 'bench.trade',
    streamOf: (c: { account: string; qty: number }) => `cmd-${f.tag}-${c.account}`,
  });
  // Each stream takes 10 commands and is then left behind, so folds stay short (4.5 events on average) however long the run.
  let lucentN = 0;
  let rawN = 0;
  const s = await compareLatency(options, {
    lucent: () => handler.handle({ account: `a${Math.floor(lucentN++ / 10)}`, qty: 1 }),
    'raw-pg': async () => {
      const stream = `rawcmd-${f.tag}-${Math.floor(rawN++ / 10)}`;
      const rows = await f.raw.query<{ stream_version: string; data: { qty: number } }>({
        name: 'raw-load',
        text: 'SELECT stream_version, data FROM raw_events WHERE stream_id = $1 ORDER BY stream_version',
        values: [stream],
      });
      let total = 0;
      for (const r of rows.rows) total += r.data.qty;
      const version = rows.rows.length === 0 ? 0 : Number(rows.rows[rows.rows.length - 1]?.stream_version);
      await f.raw.query({
        name: 'raw-single',
        text: rawInsert + rawRow(0),
        values: [stream, version + 1, randomUUID(), 'Traded', { qty: 1, total }, metadata],
      });
    },
  });
  return percentiles(
    'command.roundtrip',
    s.lucent,
    { 'raw-pg': s['raw-pg'] },
    'load the stream, fold, decide through the FunctionManager (zod-validated), append with the expected version; streams of ' +
      '0–9 events; raw-pg does the same by hand (SELECT the rows, sum, INSERT the next version; the unique key is its version check).',
  );
}

/** Delegates to the Redis store and notes when each commit (views + checkpoint) became visible. */
class TimedProjectionStore implements ProjectionStore {
  /** [checkpoint after the commit, performance.now() when Redis acknowledged it], in commit order. */
  readonly commits: [number, number][] = [];
  constructor(private readonly inner: ProjectionStore) {}
  activeGeneration(projection: string): Promise<number> {
    return this.inner.activeGeneration(projection);
  }
  activate(projection: string, generation: number): Promise<void> {
    return this.inner.activate(projection, generation);
  }
  checkpoint(projection: string, generation: number): Promise<number> {
    return this.inner.checkpoint(projection, generation);
  }
  load<V>(projection: string, generation: number, keys: readonly string[]): Promise<Map<string, ViewRecord<V>>> {
    return this.inner.load<V>(projection, generation, keys);
  }
  async commit<V>(
    projection: string,
    generation: number,
    expected: number,
    next: number,
    views: ReadonlyMap<string, ViewRecord<V>>,
  ): Promise<boolean> {
    const ok = await this.inner.commit(projection, generation, expected, next, views);
    if (ok) this.commits.push([next, performance.now()]);
    return ok;
  }
  dropGeneration(projection: string, generation: number): Promise<void> {
    return this.inner.dropGeneration(projection, generation);
  }
  get<V>(projection: string, key: string): Promise<V | undefined> {
    return this.inner.get<V>(projection, key);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }

  /** When the first commit covering `position` was acknowledged, or undefined. */
  visibleAt(position: number): number | undefined {
    let lo = 0;
    let hi = this.commits.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.commits[mid] as [number, number])[0] >= position) hi = mid;
      else lo = mid + 1;
    }
    return this.commits[lo]?.[1];
  }
}

/**
 * Appends of 10 events paced at 200/s, with the lag from issuing each append to Redis acknowledging
 * the projection commit that covers it; alternating, window by window, with the floor: the same
 * paced 10-row INSERT by hand followed by one SET of a view, with no read back, no gap-safe wait and
 * no checkpoint. The floor pays the same commits, so a stall of the disk or the machine shows on
 * both sides; what Lucent adds on top is the read back, the fold and the atomic views + checkpoint commit.
 */
async function projectionLag(f: Fixture, options: BenchOptions): Promise<BenchResult[]> {
  const eventsPerAppend = 10;
  const appendsPerSecond = 200; // 2,000 events/s
  const lagStore = await createPostgresEventStore({ connectionString: f.dbUrl, schema: 'lag', maxConnections: 4 });
  const projection = {
    name: `lag-${f.tag}`,
    keyOf: (e: { stream: string }) => e.stream,
    initialView: () => ({ count: 0 }),
    apply: (v: { count: number }) => ({ count: v.count + 1 }),
  };
  const timed = new TimedProjectionStore(f.views);
  const projector = new Projector({ events: lagStore, views: timed, projection, pollIntervalMs: 1_000 });
  await projector.start();
  const lags = { lucent: new LatencyRecorder(), 'raw-pg+redis': new LatencyRecorder() };
  const events = Array.from({ length: eventsPerAppend }, () => ({ type: 'Traded', data: payload }));
  const floorText = rawInsert + Array.from({ length: eventsPerAppend }, (_, i) => rawRow(i)).join(', ');
  let floorVersion = 0;
  // The same measured time as before the floor was added, split into alternating windows of at least 1 s.
  const measureMs = Math.min(10_000, Math.max(2_000, options.windowMs * options.rounds));
  const windows = Math.max(2, Math.round(measureMs / Math.max(1_000, options.windowMs)));
  const windowMs = measureMs / windows;
  const achieved = { calls: 0, ms: 0 };
  const paced = (durationMs: number, send: (i: number, issuedAt: number) => Promise<void>) =>
    pacedLoad({ callsPerSecond: appendsPerSecond, durationMs, maxInFlight: 64 }, send);

  const lucentWindow = async (durationMs: number, record: boolean): Promise<void> => {
    const sent: { position: number; at: number }[] = [];
    const load = await paced(durationMs, async (i, issuedAt) => {
      const r = await lagStore.append(`lag-${i % 50}`, events);
      sent.push({ position: r.lastGlobalPosition, at: issuedAt });
    });
    await projector.waitFor(Math.max(0, ...sent.map((s) => s.position)), 60_000);
    if (!record) return;
    achieved.calls += load.calls;
    achieved.ms += load.ms;
    for (const { position, at } of sent) {
      const visible = timed.visibleAt(position);
      if (visible !== undefined) lags.lucent.recordMs(visible - at);
    }
  };
  const floorWindow = async (durationMs: number, record: boolean): Promise<void> => {
    await paced(durationMs, async (i, issuedAt) => {
      const values: unknown[] = [];
      for (let e = 0; e < eventsPerAppend; e++) values.push(`floor-${f.tag}-${i % 50}`, ++floorVersion, randomUUID(), 'Traded', payload, {});
      await f.raw.query({ name: 'raw-lag-insert', text: floorText, values });
      await f.redis.set(`lucent:bench:${f.tag}:floor-lag:${i % 50}`, JSON.stringify({ count: i }));
      if (record) lags['raw-pg+redis'].recordMs(performance.now() - issuedAt);
    });
  };

  try {
    await lucentWindow(1_000, false);
    await floorWindow(1_000, false);
    for (let w = 0; w < windows; w++) {
      const sides = w % 2 === 0 ? [lucentWindow, floorWindow] : [floorWindow, lucentWindow];
      for (const side of sides) await side(windowMs, true);
    }
  } finally {
    await projector.stop();
    await f.views.dropGeneration(projection.name, 1);
    await lagStore.close();
  }
  const note =
    `appends of ${eventsPerAppend} events paced at ${appendsPerSecond}/s (2,000 events/s), ${windows} windows of ${Math.round(windowMs)} ms a side ` +
    'taken in turn after a 1 s warm-up each; lag from the moment an append is issued (so it includes its own commit) to the Redis ' +
    'acknowledgement of the projection commit (views + checkpoint) covering it; the projector subscribes through the appending store, ' +
    'so it is woken in-process when an append returns (a subscriber in another process, woken by NOTIFY, is not measured here). ' +
    'raw-pg+redis (floor): the same paced 10-row prepared INSERT, then one SET of a view, timed to the SET acknowledgement.';
  const baselineAt = (p: number) => ({ 'raw-pg+redis': lags['raw-pg+redis'].percentileUs(p) });
  return [
    { case: 'projection.lag', metric: 'p50_us', higherIsBetter: false, lucent: lags.lucent.percentileUs(50), baselines: baselineAt(50), note },
    { case: 'projection.lag', metric: 'p99_us', higherIsBetter: false, lucent: lags.lucent.percentileUs(99), baselines: baselineAt(99), note },
    {
      case: 'projection.lag',
      metric: 'events_per_s',
      higherIsBetter: true,
      lucent: (achieved.calls * eventsPerAppend * 1000) / achieved.ms,
      baselines: {},
      note,
    },
  ];
}

async function queryProjection(f: Fixture, options: BenchOptions): Promise<BenchResult[]> {
  const projection = `query-${f.tag}`;
  const view = { owner: 'alice', openPositions: 2, collateralUsd: 12000, debtUsd: 600, positions: { p1: { pair: 'ETH-USD' } } };
  await f.views.commit(projection, 1, 0, 1, new Map([['alice', { view, position: 1 }]]));
  const queries = new QueryBus<{ portfolio: { message: { owner: string }; result: typeof view | undefined } }>().register(
    'portfolio',
    (q) => f.views.get<typeof view>(projection, q.owner),
  );
  // The key the store wrote, read back by hand: GET plus JSON.parse, the least any reader must do.
  const key = `lucent:bench:${f.tag}:{${projection}}:g1:v:alice`;
  if ((await f.redis.get(key)) === null) throw new Error(`query.projection: the raw baseline's key ${key} is not where the store wrote the view`);
  try {
    const s = await compareLatency(options, {
      lucent: () => queries.ask('portfolio', { owner: 'alice' }),
      'raw-ioredis': async () => (JSON.parse((await f.redis.get(key)) as string) as ViewRecord<typeof view>).view,
    });
    return percentiles(
      'query.projection',
      s.lucent,
      { 'raw-ioredis': s['raw-ioredis'] },
      'one view (~150 bytes JSON) read with one call in flight, each side on its own connection; Lucent through QueryBus → ' +
        'RedisProjectionStore.get (active generation cached); raw-ioredis is GET + JSON.parse of the same key.',
    );
  } finally {
    await f.views.dropGeneration(projection, 1);
  }
}

async function withFixture(options: BenchOptions, work: (f: Fixture) => Promise<void>): Promise<void> {
  const tag = randomBytes(4).toString('hex');
  const database = `lucent_bench_es_${tag}`;
  const admin = new pg.Client({ connectionString: options.postgresUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(options.postgresUrl);
    url.pathname = `/${database}`;
    const dbUrl = url.toString();
    const store = await createPostgresEventStore({ connectionString: dbUrl, schema: 'lucent', maxConnections: 4 });
    const raw = new pg.Pool({ connectionString: dbUrl, max: 4 });
    raw.on('error', () => undefined);
    // Emmett gets a pool this process owns, so it is ended (and no idle connection of it is left)
    // before the database is dropped with FORCE; a left-over idle client would crash the run.
    const emmettPool = new pg.Pool({ connectionString: dbUrl, max: 4 });
    emmettPool.on('error', () => undefined);
    const emmett = getPostgreSQLEventStore(dbUrl, { connectionOptions: { pool: emmettPool, pooled: true } });
    const redis = new Redis(options.redisUrl);
    const views = new RedisProjectionStore({ url: options.redisUrl, prefix: `lucent:bench:${tag}:` });
    try {
      // The raw baseline writes the same row shape into the same kind of table, with no version check.
      await raw.query(`CREATE TABLE raw_events (global_position bigserial PRIMARY KEY, stream_id text NOT NULL,
        stream_version bigint NOT NULL, event_id uuid NOT NULL, type text NOT NULL, data jsonb NOT NULL,
        metadata jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), UNIQUE (stream_id, stream_version))`);
      // Emmett creates its schema on first use; do it here so no measured window pays for it.
      await emmett.schema.migrate();
      await work({ tag, dbUrl, store, raw, emmett, redis, views });
    } finally {
      // Each closes on its own: one failing must not leave another's connections open for the
      // DROP … WITH (FORCE) below to cut (an idle pooled client cut that way crashes the process).
      const closed = await Promise.allSettled([
        store.close(),
        emmett.close().finally(() => emmettPool.end()),
        raw.end(),
        views.close(),
        redis.quit(),
      ]);
      for (const c of closed) if (c.status === 'rejected') console.error(`[bench] event store teardown: ${String(c.reason)}`);
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}

export const eventStoreArea: BenchArea = {
  area: 'event store and projections',
  cases: [
    'append.single',
    'append.batch',
    'append.concurrent.16',
    'append.concurrent.64',
    'command.roundtrip',
    'projection.lag',
    'query.projection',
  ],
  requires: ['postgres', 'redis'],
  async run(options) {
    const out: BenchResult[] = [];
    await withFixture(options, async (f) => {
      if (wants(options, 'append.single')) out.push(...(await appendSingle(f, options)));
      if (wants(options, 'append.batch')) out.push(...(await appendBatch(f, options)));
      for (const writers of [16, 64]) {
        if (wants(options, `append.concurrent.${writers}`)) out.push(...(await appendConcurrent(f, options, writers)));
      }
      if (wants(options, 'command.roundtrip')) out.push(...(await commandRoundtrip(f, options)));
      if (wants(options, 'projection.lag')) out.push(...(await projectionLag(f, options)));
      if (wants(options, 'query.projection')) out.push(...(await queryProjection(f, options)));
    });
    return out;
  },
};
