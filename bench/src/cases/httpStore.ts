// HTTP write and query paths of the example service: POST /positions (validate → load stream → decide through the FunctionManager → append with
// expected version, Redis projection behind) against Fastify + pg by hand; GET /portfolios/:owner from the Redis projection against Fastify + ioredis GET.
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import pg from 'pg';
import { Redis } from 'ioredis';
import {
  alternateHttp,
  answerOf,
  busyUsPerRequest,
  closeTargets,
  openTarget,
  requestBytes,
  serveInWorker,
  startServerWorker,
  targetOpsPerSecond,
  type HttpRequestSpec,
  type HttpTarget,
} from '../harness/httpLoad.js';
import type { BenchArea, BenchOptions, BenchResult } from '../harness/types.js';
import { wants } from '../harness/types.js';

type Side = 'lucent' | 'fastify';

/** Connections, one request in flight on each, as issue 16 asks. */
const connections = 32;
/** Pool size of both sides (PgSqlClient's default); Lucent's store also holds one LISTEN connection. */
const poolSize = 10;
/** Owners whose portfolios the query case reads, in turn. */
const queryOwners = 64;
const serverTag = 'lucent.bench.http.store.server';

interface StoreConfig {
  /** The `test` database on the run's PostgreSQL server. */
  readonly pgUrl: string;
  /** This run's schema: Lucent's event store and the hand-written table live there; dropped afterwards. */
  readonly schema: string;
  readonly redisUrl: string;
  /** Every Redis key of the run starts with it; deleted afterwards. */
  readonly redisPrefix: string;
  /** Owners of the seeded portfolios: `${ownerPrefix}${i}`. */
  readonly ownerPrefix: string;
  /** Seed the query case's portfolios before listening (the first Lucent server of the run only). */
  readonly seed: boolean;
}

const rawKey = (config: StoreConfig, owner: string): string => `${config.redisPrefix}raw:portfolio:${owner}`;

// ---- Lucent: NestJS + LucentModule + the example's positions controller on a PortfolioManager (event store on PostgreSQL, projection in Redis)

async function startLucent(config: StoreConfig): Promise<number> {
  const { createLucentApp, LucentModule } = await import('@lucent/nestjs');
  const { FunctionManager } = await import('@lucent/runtime');
  const { createPostgresEventStore } = await import('@lucent/postgres');
  const { RedisProjectionStore } = await import('@lucent/redis');
  const { PortfolioManager } = await import('@lucent/example-crypto-trading/dist/managers/portfolioManager.js');
  const { PositionsModule } = await import('@lucent/example-crypto-trading/dist/controllers/positionsController.js');
  const { functionRegistry } = await import('@lucent/example-crypto-trading/dist/registry/functionRegistry.js');
  const { Module } = await import('@nestjs/common');
  const events = await createPostgresEventStore({ connectionString: config.pgUrl, schema: config.schema, maxConnections: poolSize });
  const views = new RedisProjectionStore({ url: config.redisUrl, prefix: config.redisPrefix });
  const functions = new FunctionManager().register(functionRegistry);
  const portfolio = new PortfolioManager(events, views, functions);
  await portfolio.start();
  // The query case's portfolios: one position each with one deposit, projected before the server listens.
  for (let i = 0; i < (config.seed ? queryOwners : 0); i++) {
    const positionId = `q-${i}`;
    await portfolio.execute({ type: 'OpenPosition', positionId, owner: `${config.ownerPrefix}${i}`, pair: 'ETH-USD' });
    await portfolio.execute({ type: 'DepositCollateral', positionId, amount: 2.5, priceUsd: 3000 });
  }
  const until = Date.now() + 15_000;
  for (let i = 0; i < (config.seed ? queryOwners : 0); i++) {
    while ((await portfolio.portfolio(`${config.ownerPrefix}${i}`)) === undefined) {
      if (Date.now() > until) throw new Error('the portfolio projection did not catch up within 15 s');
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  @Module({ imports: [LucentModule.forRoot({ invoker: functions, openApi: false }), PositionsModule.forRoot(portfolio)] })
  class BenchAppModule {}
  const app = await createLucentApp(BenchAppModule, { nestLogger: false });
  await app.listen(0, '127.0.0.1');
  return (app.getHttpServer().address() as { port: number }).port;
}

// ---- by hand: Fastify + pg (the same body contract, SELECT of the stream's version, INSERT of the event) and Fastify + ioredis GET

async function startFastify(config: StoreConfig): Promise<number> {
  const { default: Fastify } = await import('fastify');
  const { z } = await import('zod');
  const { PositionCommand } = await import('@lucent/example-crypto-trading/dist/domain/positions/positionCommands.js');
  const { resourceId } = await import('@lucent/example-crypto-trading/dist/controllers/routeContracts.js');
  const pool = new pg.Pool({ connectionString: config.pgUrl, max: poolSize });
  pool.on('error', () => undefined);
  const table = `${config.schema}.raw_events`;
  // The shape of a Lucent event row: global position, stream and version (unique), id, type, data, metadata, time.
  await pool.query(`CREATE SCHEMA IF NOT EXISTS ${config.schema}`);
  await pool.query(`CREATE TABLE IF NOT EXISTS ${table} (global_position bigserial PRIMARY KEY, stream_id text NOT NULL,
    stream_version bigint NOT NULL, event_id uuid NOT NULL, type text NOT NULL, data jsonb NOT NULL,
    metadata jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), UNIQUE (stream_id, stream_version))`);
  const redis = new Redis(config.redisUrl);
  const [openCommand] = PositionCommand.options;
  const OpenBody = z.strictObject({ pair: openCommand.shape.pair, positionId: resourceId.optional(), owner: resourceId.optional() });

  const server = Fastify({ logger: false });
  server.post('/positions', async (request, reply) => {
    const parsed = OpenBody.safeParse(request.body);
    if (!parsed.success || parsed.data.owner === undefined) return reply.code(400).send({ code: 'VALIDATION_FAILED' });
    const { pair, owner } = parsed.data;
    const positionId = parsed.data.positionId ?? randomUUID();
    const stream = `position-${positionId}`;
    const current = await pool.query<{ v: string }>({ name: 'stream-version', text: `SELECT coalesce(max(stream_version), 0) AS v FROM ${table} WHERE stream_id = $1`, values: [stream] });
    if (Number(current.rows[0]?.v ?? 0) !== 0) return reply.code(422).send({ code: 'RULE_VIOLATED' });
    const inserted = await pool.query<{ global_position: string }>({
      name: 'append',
      text: `INSERT INTO ${table} (stream_id, stream_version, event_id, type, data, metadata) VALUES ($1, 1, $2, 'PositionOpened', $3, $4) RETURNING global_position`,
      values: [stream, randomUUID(), JSON.stringify({ positionId, owner, pair, openedAt: Date.now() }), JSON.stringify({ correlationId: randomUUID() })],
    });
    return reply.code(201).send({ positionId, version: 1, position: Number(inserted.rows[0]?.global_position), events: ['PositionOpened'], duplicate: false });
  });
  server.get<{ Params: { owner: string } }>('/portfolios/:owner', async (request, reply) => {
    const text = await redis.get(rawKey(config, request.params.owner));
    if (text === null) return reply.code(404).send({ code: 'NOT_FOUND' });
    return reply.type('application/json; charset=utf-8').send(text);
  });
  await server.listen({ port: 0, host: '127.0.0.1' });
  return (server.server.address() as { port: number }).port;
}

serveInWorker(serverTag, (side, config) => (side === 'lucent' ? startLucent(config as StoreConfig) : startFastify(config as StoreConfig)));

// ---- the run: a schema in `test` and a Redis prefix of its own, both removed at the end

function testDatabaseUrl(adminUrl: string): string {
  const url = new URL(adminUrl);
  url.pathname = '/test';
  return url.toString();
}

async function deleteKeys(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    if (keys.length > 0) deleted += await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
  return deleted;
}

interface Measured {
  readonly targets: Record<Side, HttpTarget>;
  /** Events the write case appended on each side, counted in the database afterwards. */
  readonly rows?: Record<Side, number>;
}

async function measure(options: BenchOptions, config: StoreConfig, redis: Redis, which: 'write' | 'query'): Promise<Measured> {
  const workers: Worker[] = [];
  const targets = {} as Record<Side, HttpTarget>;
  try {
    const servers = {} as Record<Side, { worker: Worker; port: number }>;
    for (const side of ['lucent', 'fastify'] as const) {
      servers[side] = await startServerWorker(new URL(import.meta.url), serverTag, side, { ...config, seed: which === 'query' }, 60_000);
      workers.push(servers[side].worker);
    }
    if (which === 'query') {
      // The hand-written side reads a plain key holding the view Lucent serves, copied once.
      for (let i = 0; i < queryOwners; i++) {
        const owner = `${config.ownerPrefix}${i}`;
        const res = await fetch(`http://127.0.0.1:${servers.lucent.port}/portfolios/${owner}`);
        if (res.status !== 200) throw new Error(`http.query: GET /portfolios/${owner} answered ${res.status} ${await res.text()}`);
        await redis.set(rawKey(config, owner), await res.text());
      }
      const spec = (i: number): HttpRequestSpec => ({ method: 'GET', path: `/portfolios/${config.ownerPrefix}${i}` });
      const [l, f] = await Promise.all([answerOf(servers.lucent.port, spec(0)), answerOf(servers.fastify.port, spec(0))]);
      if (l !== f) throw new Error(`http.query: the sides answer differently:\n  lucent:  ${l}\n  fastify: ${f}`);
      const requests = Array.from({ length: queryOwners }, (_, i) => requestBytes(spec(i)));
      for (const side of ['lucent', 'fastify'] as const) {
        let n = 0;
        targets[side] = await openTarget(servers[side], connections, () => requests[n++ % queryOwners] as Buffer);
      }
    } else {
      // Every write opens a new position for a new owner: a fresh stream each time, and a small portfolio to project.
      for (const side of ['lucent', 'fastify'] as const) {
        let n = 0;
        const owner = `w-${side}-`;
        targets[side] = await openTarget(servers[side], connections, () =>
          requestBytes({ method: 'POST', path: '/positions', body: `{"pair":"ETH-USD","owner":"${owner}${++n}"}` }),
        );
      }
      const probe = (side: Side): Promise<string> =>
        answerOf(servers[side].port, { method: 'POST', path: '/positions', body: `{"pair":"ETH-USD","owner":"probe-${side}"}` }).then((a) =>
          `${a.slice(0, 4)}${Object.keys(JSON.parse(a.slice(4)) as object).sort().join(',')}`,
        );
      const [l, f] = await Promise.all([probe('lucent'), probe('fastify')]);
      if (l !== f) throw new Error(`http.write: the sides answer differently (status and fields):\n  lucent:  ${l}\n  fastify: ${f}`);
    }
    await alternateHttp(targets, options);
  } finally {
    await closeTargets(Object.values(targets), workers);
  }
  return { targets };
}

function rows(name: 'http.write' | 'http.query', peer: string, targets: Record<Side, HttpTarget>, note: string): BenchResult[] {
  const l = targets.lucent;
  const f = targets.fastify;
  const busy = `HTTP thread busy per request: lucent ${busyUsPerRequest(l).toFixed(1)} µs, ${peer} ${busyUsPerRequest(f).toFixed(1)} µs.`;
  return [
    { case: name, metric: 'ops_per_s', higherIsBetter: true, lucent: targetOpsPerSecond(l), baselines: { [peer]: targetOpsPerSecond(f) }, floors: [peer], note: `${note} ${busy}` },
    ...([50, 99] as const).map(
      (p): BenchResult => ({
        case: name,
        metric: `p${p}_us`,
        higherIsBetter: false,
        lucent: l.recorder.percentileUs(p),
        baselines: { [peer]: f.recorder.percentileUs(p) },
        floors: [peer],
        note: `latency under the same load (${connections} in flight)`,
      }),
    ),
  ];
}

const common =
  `${connections} keep-alive connections with one request in flight each; each server in its own worker thread, raw-socket client in the main thread; ` +
  `PostgreSQL database test (a schema per run, fsync as configured), pools of ${poolSize}; Redis on 127.0.0.1 (a key prefix per run).`;

async function run(options: BenchOptions): Promise<BenchResult[]> {
  const tag = randomBytes(4).toString('hex');
  const config: StoreConfig = {
    pgUrl: testDatabaseUrl(options.postgresUrl),
    schema: `lucent_bench_http_${tag}`,
    redisUrl: options.redisUrl,
    redisPrefix: `lucent:bench:http:${tag}:`,
    ownerPrefix: `q-${tag}-`,
    seed: false,
  };
  const out: BenchResult[] = [];
  const redis = new Redis(options.redisUrl);
  const admin = new pg.Client({ connectionString: config.pgUrl });
  await admin.connect();
  try {
    // Query first: the write case leaves Lucent's projector busy with what it wrote.
    if (wants(options, 'http.query')) {
      const { targets } = await measure(options, config, redis, 'query');
      out.push(
        ...rows(
          'http.query',
          'fastify-ioredis',
          targets,
          `GET /portfolios/:owner over ${queryOwners} owners (one position with one deposit each). lucent: NestJS 11 + LucentModule + the example's ` +
            `PositionsController (path contract, call-context guard, PortfolioManager → QueryBus → RedisProjectionStore.get, one GET, JSON parse, ` +
            `Nest serialises). fastify-ioredis: a Fastify 5 route doing ioredis GET of a key holding the same view and sending the string as it is. Target: lucent at least 0.8× fastify-ioredis. ${common}`,
        ),
      );
    }
    if (wants(options, 'http.write')) {
      const { targets } = await measure(options, config, redis, 'write');
      out.push(
        ...rows(
          'http.write',
          'fastify-pg',
          targets,
          `POST /positions {"pair","owner"} opening a new position for a new owner per request (201). lucent: NestJS 11 + LucentModule + the ` +
            `example's PositionsController → PortfolioManager → CommandBus → DeciderCommandHandler (read the stream, position.decide through the ` +
            `FunctionManager with its contracts, append with the expected version to the PostgreSQL event store); its projector keeps the Redis ` +
            `portfolio up to date in the same thread. fastify-pg: a Fastify 5 route with the same strict body contract, a SELECT of the stream's ` +
            `version and an INSERT of the event row (named prepared statements, no projection). Target: lucent at least 0.7× fastify-pg. ${common}`,
        ),
      );
    }
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${config.schema} CASCADE`).catch((e: unknown) => console.error(`[bench] http.write: dropping ${config.schema}: ${String(e)}`));
    await admin.end();
    await deleteKeys(redis, config.redisPrefix).catch((e: unknown) => console.error(`[bench] http.query: deleting ${config.redisPrefix}*: ${String(e)}`));
    redis.disconnect();
  }
  return out;
}

export const httpStoreArea: BenchArea = {
  area: 'http-store',
  cases: ['http.write', 'http.query'],
  requires: ['postgres', 'redis'],
  run,
};
