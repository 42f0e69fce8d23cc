// RateLimits counted in Redis (one server or a Redis Cluster) from a URL: the client is opened here and closed with the limits.
import { RateLimits, type RateLimitsDocument } from '@lucent/runtime';
import { openRedisClient, parseRedisConnection } from '../connection/redisConnection.js';

export interface RedisRateLimitsOptions {
  /** e.g. `redis://127.0.0.1:6379`, or several comma-separated seed URLs of a Redis Cluster (each budget is one key, so one slot). */
  readonly url: string;
  /** One URL that is a Redis Cluster node (LUCENT_REDIS_CLUSTER=1 in the example). */
  readonly cluster?: boolean;
  /** Key prefix (default `lucent:rl`); every process of one system uses the same one, so they share budgets. */
  readonly keyPrefix?: string;
  readonly limits?: RateLimitsDocument;
  /**
   * Longest a rate-limit check waits for Redis (default 250 ms) before the call is counted in this
   * process's memory instead (the insurance count). Every guarded request waits on it: a Redis that
   * stops answering — a Cluster master killed, until its replica is promoted — must not hold them.
   */
  readonly commandTimeoutMs?: number;
}

/** `limits` to hand to LucentModule and GuardedInvoker; `close()` quits the Redis client. */
export function openRedisRateLimits(options: RedisRateLimitsOptions): { readonly limits: RateLimits; close(): Promise<void> } {
  // Few retries per command: a Redis that does not answer is covered by the in-memory insurance count, not waited for.
  const connection = parseRedisConnection(options.url, options.cluster, { url: 'url', cluster: 'cluster' });
  const commandTimeout = options.commandTimeoutMs ?? 250;
  // A cluster's node connections open on first use, after the slot map is read: they keep their offline queue, or the first command to each node would fail.
  const redis = openRedisClient(connection, {
    redisOptions: connection.cluster
      ? { maxRetriesPerRequest: 1, commandTimeout }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false, commandTimeout },
  });
  // Refused commands already fall back to the insurance count; the client's own error events would only repeat it.
  redis.on('error', () => undefined);
  const limits = new RateLimits({ redis, ...(options.keyPrefix === undefined ? {} : { keyPrefix: options.keyPrefix }), ...(options.limits === undefined ? {} : { limits: options.limits }) });
  return {
    limits,
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
