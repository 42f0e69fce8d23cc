// RateLimits counted in Redis from a URL: the client is opened here and closed with the limits.
import { Redis } from 'ioredis';
import { RateLimits, type RateLimitsDocument } from '@lucent/runtime';

export interface RedisRateLimitsOptions {
  /** e.g. `redis://127.0.0.1:6379`. */
  readonly url: string;
  /** Key prefix (default `lucent:rl`); every process of one system uses the same one, so they share budgets. */
  readonly keyPrefix?: string;
  readonly limits?: RateLimitsDocument;
}

/** `limits` to hand to LucentModule and GuardedInvoker; `close()` quits the Redis client. */
export function openRedisRateLimits(options: RedisRateLimitsOptions): { readonly limits: RateLimits; close(): Promise<void> } {
  // Few retries per command: a Redis that does not answer is covered by the in-memory insurance count, not waited for.
  const redis = new Redis(options.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
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
