// Service configuration from the environment; every server is optional (embedded defaults otherwise).
import type { LucentAuthOptions, LucentHttpOptions } from '@lucent/nestjs';

export interface ServiceConfig {
  readonly port: number;
  readonly host: string;
  /** Where embedded stores (PGlite) keep their data. */
  readonly dataDir: string;
  readonly postgresUrl: string | undefined;
  readonly redisUrl: string | undefined;
  readonly natsUrl: string | undefined;
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

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  return {
    port: Number(env['PORT'] ?? 3000),
    host: env['HOST'] ?? '127.0.0.1',
    dataDir: env['LUCENT_DATA_DIR'] ?? '.lucent-data',
    postgresUrl: env['LUCENT_PG_URL'] || undefined,
    redisUrl: env['LUCENT_REDIS_URL'] || undefined,
    natsUrl: env['LUCENT_NATS_URL'] || undefined,
    ...(env['LUCENT_PG_SCHEMA'] ? { pgSchema: env['LUCENT_PG_SCHEMA'] } : {}),
    ...(env['LUCENT_REDIS_PREFIX'] ? { redisPrefix: env['LUCENT_REDIS_PREFIX'] } : {}),
    ...(env['LUCENT_DEPOSIT_TIMEOUT_MS'] ? { depositTimeoutMs: Number(env['LUCENT_DEPOSIT_TIMEOUT_MS']) } : {}),
    ...(env['LUCENT_PRICE_CRON'] ? { priceCron: env['LUCENT_PRICE_CRON'] === 'off' ? null : env['LUCENT_PRICE_CRON'] } : {}),
    ...(env['LUCENT_PRICE_MAX_MOVE'] ? { priceMaxMove: Number(env['LUCENT_PRICE_MAX_MOVE']) } : {}),
    ...(env['LUCENT_YIELD_CRON'] ? { yieldCron: env['LUCENT_YIELD_CRON'] } : {}),
    ...(env['LUCENT_DRAIN_TIMEOUT_MS'] ? { drainTimeoutMs: Number(env['LUCENT_DRAIN_TIMEOUT_MS']) } : {}),
    auth: authFromEnv(env),
    http: httpFromEnv(env),
  };
}
