// Rate limits on rate-limiter-flexible: per user and per function, counted in Redis when one is given (shared by every process), in memory otherwise.
import { LucentError } from '@lucent/core';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { limitFor, parseRateLimits, type RateLimit, type RateLimitsDocument } from './rateLimitsDocument.js';

export interface RateLimitsOptions {
  readonly limits?: RateLimitsDocument;
  /**
   * An ioredis client: every process counting on the same Redis and prefix shares the budgets.
   * Without it counts are this process's own (the embedded default).
   */
  readonly redis?: object;
  /** Prefix of the Redis keys (default `lucent:rl`); one per system sharing a Redis. */
  readonly keyPrefix?: string;
}

export interface RateLimitRefusal {
  readonly function: string;
  readonly scope: 'user' | 'function';
  readonly userId: string | undefined;
  readonly retryAfterMs: number;
}

/** Budget key of callers without a user id: they share one. */
const anonymous = '(anonymous)';

/**
 * `await limits.consume('openPosition', userId)` spends one call of the user's budget and of the
 * function's, or throws RATE_LIMITED with `details.retryAfterMs`. `update` swaps the limits at run
 * time (a changed limit starts a fresh count). If Redis fails, each process counts in memory
 * until it answers again (rate-limiter-flexible's insurance limiter), rather than refuse or admit all.
 */
export class RateLimits {
  private limits: RateLimitsDocument;
  private readonly limiters = new Map<string, RateLimiterAbstract>();
  private readonly listeners: ((refusal: RateLimitRefusal) => void)[] = [];
  private readonly prefix: string;

  constructor(private readonly options: RateLimitsOptions = {}) {
    this.limits = parseRateLimits(options.limits ?? {});
    this.prefix = options.keyPrefix ?? 'lucent:rl';
  }

  get current(): RateLimitsDocument {
    return this.limits;
  }

  /** Replace the limits (checked first: a bad document throws and the old limits stay). */
  update(limits: unknown): void {
    this.limits = parseRateLimits(limits);
  }

  onRefused(listener: (refusal: RateLimitRefusal) => void): void {
    this.listeners.push(listener);
  }

  /** Spend one call of `name` for `userId`; throws RATE_LIMITED when either budget is spent. */
  async consume(name: string, userId: string | undefined): Promise<void> {
    const perUser = limitFor(this.limits.perUser, name);
    const perFunction = limitFor(this.limits.perFunction, name);
    if (perUser !== undefined) await this.spend(name, 'user', userId, perUser, userId ?? anonymous);
    if (perFunction !== undefined) await this.spend(name, 'function', userId, perFunction, '*');
  }

  private async spend(name: string, scope: RateLimitRefusal['scope'], userId: string | undefined, limit: RateLimit, key: string): Promise<void> {
    try {
      await this.limiterFor(name, scope, limit).consume(key);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      const retryAfterMs = Math.max(1, Math.ceil(error.msBeforeNext));
      for (const listener of this.listeners) listener({ function: name, scope, userId, retryAfterMs });
      const whose = scope === 'user' ? `your calls of ${name}` : `all calls of ${name}`;
      throw new LucentError('RATE_LIMITED', `Rate limit of ${whose} (${limit.points} per ${limit.perSeconds} s) is spent; retry after ${retryAfterMs} ms`, {
        function: name,
        scope,
        points: limit.points,
        perSeconds: limit.perSeconds,
        retryAfterMs,
      });
    }
  }

  private limiterFor(name: string, scope: string, limit: RateLimit): RateLimiterAbstract {
    // The limit is part of the key: a changed limit gets a fresh limiter and a fresh count.
    const keyPrefix = `${this.prefix}:${scope}:${name}:${limit.points}/${limit.perSeconds}`;
    let limiter = this.limiters.get(keyPrefix);
    if (limiter === undefined) {
      const shape = { points: limit.points, duration: limit.perSeconds, keyPrefix };
      const memory = new RateLimiterMemory(shape);
      limiter = this.options.redis === undefined ? memory : new RateLimiterRedis({ ...shape, storeClient: this.options.redis, insuranceLimiter: memory });
      this.limiters.set(keyPrefix, limiter);
    }
    return limiter;
  }
}
