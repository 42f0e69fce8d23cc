// Service configuration from the environment; every server is optional (embedded defaults otherwise).
import type { LucentAuthOptions, LucentHttpOptions } from '@lucent/nestjs';
import { redisConnectionFromEnv } from '@lucent/redis';
import { parseRateLimitSpec, type RateLimitsDocument } from '@lucent/runtime';
import type { TopologyConfig } from './topology.js';

export interface ServiceConfig {
  readonly port: number;
  readonly host: string;
  /** Where embedded stores (PGlite) keep their data. */
  readonly dataDir: string;
  readonly postgresUrl: string | undefined;
  /**
   * Redis of the read models and rate limits (LUCENT_REDIS_URL): `redis://host:port`, or several
   * comma-separated `redis://host:port` seed nodes of a Redis Cluster.
   */
  readonly redisUrl: string | undefined;
  /** Redis Cluster: LUCENT_REDIS_URL lists several URLs, or LUCENT_REDIS_CLUSTER=1 with one. */
  readonly redisCluster?: boolean;
  /** NATS server(s) (LUCENT_NATS_URL): the service becomes a gateway and functions run on shards. */
  readonly natsUrl: string | undefined;
  /** The cluster's subject prefix (LUCENT_NATS_PREFIX; default `lucent`): its subjects and its registry bucket `<prefix>-registry`. */
  readonly natsPrefix?: string;
  /**
   * Without NATS, shards hosted in this process over the in-process transport
   * (LUCENT_IN_PROCESS_SHARDS=`whale-1:whale,aave-1:aave`; what `npm run demo` uses when no NATS server is up).
   */
  readonly inProcessShards?: readonly { readonly id: string; readonly tags: readonly string[] }[];
  /**
   * What a gateway may run itself (LUCENT_GATEWAY_LOCAL: function names or `prefix.*`, comma-separated;
   * default none, so every call goes to a shard). Placement still decides for the ones listed.
   */
  readonly gatewayLocal?: readonly string[];
  /** In-process shards load bundles from `lucent publish --data-dir DIR` (LUCENT_BUNDLE_DIR), verified with LUCENT_PUBLIC_KEY_FILE. */
  readonly bundleDir?: string;
  readonly publicKeyFile?: string;
  /** PostgreSQL schema of the event and timer stores (LUCENT_PG_SCHEMA; default `lucent`). */
  readonly pgSchema?: string;
  /** Key prefix of the Redis read models (LUCENT_REDIS_PREFIX; default `lucent:crypto:`). */
  readonly redisPrefix?: string;
  /** How long a deposit waits for its chain confirmations unless the request says (LUCENT_DEPOSIT_TIMEOUT_MS; default 10 minutes). */
  readonly depositTimeoutMs?: number;
  /** Cron expression of the yield projection job (LUCENT_YIELD_CRON; default every minute, six fields for seconds). */
  readonly yieldCron?: string;
  /**
   * Cron expression of the exchange price poll (LUCENT_PRICE_CRON; default every 10 s, six fields for
   * seconds); `off` stops polling, and prices then come only from POST /prices.
   */
  readonly priceCron?: string | null;
  /** Circuit breaker of the price oracle: the largest accepted move between two quotes (LUCENT_PRICE_MAX_MOVE; default 0.5). */
  readonly priceMaxMove?: number;
  /** Bearer-token verification for the HTTP API; absent: calls run with no identity (embedded default). */
  readonly auth?: LucentAuthOptions;
  /**
   * Slow-client limits of the HTTP server: LUCENT_HTTP_HEADERS_TIMEOUT_MS (default 10 s),
   * LUCENT_HTTP_REQUEST_TIMEOUT_MS (30 s), LUCENT_HTTP_KEEPALIVE_TIMEOUT_MS (5 s).
   */
  readonly http?: LucentHttpOptions;
  /**
   * On SIGTERM, how long requests already received may take to finish before their connections are
   * cut (LUCENT_DRAIN_TIMEOUT_MS; default 10 s).
   */
  readonly drainTimeoutMs?: number;
  /**
   * Rate limits (docs/resilience.md): LUCENT_RATE_LIMIT_PER_USER and LUCENT_RATE_LIMIT_PER_FUNCTION,
   * each `name=points/seconds,…` with `*` for every function (e.g. `*=20/1`); counted in Redis when
   * LUCENT_REDIS_URL is set. None by default.
   */
  readonly rateLimits?: RateLimitsDocument;
}

function rateLimitsFromEnv(env: NodeJS.ProcessEnv): RateLimitsDocument | undefined {
  const perUser = parseRateLimitSpec(env['LUCENT_RATE_LIMIT_PER_USER'], 'LUCENT_RATE_LIMIT_PER_USER');
  const perFunction = parseRateLimitSpec(env['LUCENT_RATE_LIMIT_PER_FUNCTION'], 'LUCENT_RATE_LIMIT_PER_FUNCTION');
  if (Object.keys(perUser).length === 0 && Object.keys(perFunction).length === 0) return undefined;
  return { perUser, perFunction };
}

/** `whale-1:whale,aave-1:aave+arbitrage` → shards with ids and tags. */
function shardsFrom(value: string | undefined): { id: string; tags: string[] }[] | undefined {
  if (!value) return undefined;
  return value
    .split(',')
    .filter((s) => s.trim() !== '')
    .map((s) => {
      const [id = '', tags = ''] = s.trim().split(':');
      return { id, tags: tags.split('+').filter(Boolean) };
    });
}

const numberFrom = (env: NodeJS.ProcessEnv, name: string): number | undefined => (env[name] ? Number(env[name]) : undefined);

function httpFromEnv(env: NodeJS.ProcessEnv): LucentHttpOptions {
  const headersTimeoutMs = numberFrom(env, 'LUCENT_HTTP_HEADERS_TIMEOUT_MS');
  const requestTimeoutMs = numberFrom(env, 'LUCENT_HTTP_REQUEST_TIMEOUT_MS');
  const keepAliveTimeoutMs = numberFrom(env, 'LUCENT_HTTP_KEEPALIVE_TIMEOUT_MS');
  return {
    ...(headersTimeoutMs === undefined ? {} : { headersTimeoutMs }),
    ...(requestTimeoutMs === undefined ? {} : { requestTimeoutMs }),
    ...(keepAliveTimeoutMs === undefined ? {} : { keepAliveTimeoutMs }),
  };
}

/**
 * LUCENT_AUTH_SECRET (HS256) or LUCENT_AUTH_PUBLIC_KEY (PEM) turns caller identity on; issuer, audience and
 * LUCENT_AUTH_MAX_LIFETIME_SEC (longest accepted token life, default one day) are optional.
 */
function authFromEnv(env: NodeJS.ProcessEnv): LucentAuthOptions | undefined {
  const secret = env['LUCENT_AUTH_SECRET'] || undefined;
  const publicKey = env['LUCENT_AUTH_PUBLIC_KEY'] || undefined;
  if (secret === undefined && publicKey === undefined) return undefined;
  const jurisdictionClaim = env['LUCENT_AUTH_JURISDICTION_CLAIM'] || undefined;
  const maxTokenLifetimeSec = numberFrom(env, 'LUCENT_AUTH_MAX_LIFETIME_SEC');
  return {
    ...(maxTokenLifetimeSec === undefined ? {} : { maxTokenLifetimeSec }),
    ...(secret === undefined ? {} : { secret }),
    ...(publicKey === undefined ? {} : { publicKey }),
    ...(env['LUCENT_AUTH_ISSUER'] ? { issuer: env['LUCENT_AUTH_ISSUER'] } : {}),
    ...(env['LUCENT_AUTH_AUDIENCE'] ? { audience: env['LUCENT_AUTH_AUDIENCE'] } : {}),
    ...(jurisdictionClaim === undefined ? {} : { claims: { jurisdiction: jurisdictionClaim } }),
  };
}

/** `a, b.*,` → ['a', 'b.*']. */
const listFrom = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

/** LUCENT_REDIS_URL (one URL, or comma-separated cluster seeds) and LUCENT_REDIS_CLUSTER=1 (one URL that is a cluster node). */
function redisFromEnv(env: NodeJS.ProcessEnv): Pick<ServiceConfig, 'redisUrl' | 'redisCluster'> {
  const redis = redisConnectionFromEnv(env);
  if (redis === undefined) return { redisUrl: undefined };
  return { redisUrl: redis.urls.join(','), ...(redis.cluster ? { redisCluster: true } : {}) };
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  return {
    port: Number(env['PORT'] ?? 3000),
    host: env['HOST'] ?? '127.0.0.1',
    dataDir: env['LUCENT_DATA_DIR'] ?? '.lucent-data',
    postgresUrl: env['LUCENT_PG_URL'] || undefined,
    // Checked here, so a bad value stops the start with an error naming the variable.
    ...redisFromEnv(env),
    natsUrl: env['LUCENT_NATS_URL'] || undefined,
    ...(env['LUCENT_NATS_PREFIX'] ? { natsPrefix: env['LUCENT_NATS_PREFIX'] } : {}),
    ...(env['LUCENT_IN_PROCESS_SHARDS'] ? { inProcessShards: shardsFrom(env['LUCENT_IN_PROCESS_SHARDS']) } : {}),
    ...(env['LUCENT_GATEWAY_LOCAL'] !== undefined ? { gatewayLocal: listFrom(env['LUCENT_GATEWAY_LOCAL']) } : {}),
    ...(env['LUCENT_BUNDLE_DIR'] ? { bundleDir: env['LUCENT_BUNDLE_DIR'] } : {}),
    ...(env['LUCENT_PUBLIC_KEY_FILE'] ? { publicKeyFile: env['LUCENT_PUBLIC_KEY_FILE'] } : {}),
    ...(env['LUCENT_PG_SCHEMA'] ? { pgSchema: env['LUCENT_PG_SCHEMA'] } : {}),
    ...(env['LUCENT_REDIS_PREFIX'] ? { redisPrefix: env['LUCENT_REDIS_PREFIX'] } : {}),
    ...(env['LUCENT_DEPOSIT_TIMEOUT_MS'] ? { depositTimeoutMs: Number(env['LUCENT_DEPOSIT_TIMEOUT_MS']) } : {}),
    ...(env['LUCENT_PRICE_CRON'] ? { priceCron: env['LUCENT_PRICE_CRON'] === 'off' ? null : env['LUCENT_PRICE_CRON'] } : {}),
    ...(env['LUCENT_PRICE_MAX_MOVE'] ? { priceMaxMove: Number(env['LUCENT_PRICE_MAX_MOVE']) } : {}),
    ...(env['LUCENT_YIELD_CRON'] ? { yieldCron: env['LUCENT_YIELD_CRON'] } : {}),
    ...(env['LUCENT_DRAIN_TIMEOUT_MS'] ? { drainTimeoutMs: Number(env['LUCENT_DRAIN_TIMEOUT_MS']) } : {}),
    auth: authFromEnv(env),
    http: httpFromEnv(env),
    rateLimits: rateLimitsFromEnv(env),
  };
}

/** The part of the configuration that decides where functions run (topology.ts). */
export function topologyConfig(config: ServiceConfig): TopologyConfig {
  return {
    ...(config.natsUrl === undefined ? {} : { natsUrl: config.natsUrl }),
    ...(config.natsPrefix === undefined ? {} : { natsPrefix: config.natsPrefix }),
    ...(config.inProcessShards === undefined ? {} : { inProcessShards: config.inProcessShards }),
    ...(config.gatewayLocal === undefined ? {} : { gatewayLocal: config.gatewayLocal }),
    ...(config.bundleDir === undefined ? {} : { bundleDir: config.bundleDir }),
    ...(config.publicKeyFile === undefined ? {} : { publicKeyFile: config.publicKeyFile }),
  };
}
