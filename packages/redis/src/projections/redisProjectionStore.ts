// Projection store on Redis: views and checkpoint of a generation written by one Lua script, so a crash never double-applies.
import { Redis, type RedisOptions } from 'ioredis';
import { LucentError, type ViewRecord } from '@lucent/core';
import type { ProjectionStore } from '@lucent/runtime';

// KEYS[1] checkpoint, KEYS[2..] views; ARGV[1] expected checkpoint, ARGV[2] next, ARGV[3..] view records.
const commitScript = `
local cur = redis.call('GET', KEYS[1])
if cur == false then cur = '0' end
if cur ~= ARGV[1] then return 0 end
for i = 2, #KEYS do redis.call('SET', KEYS[i], ARGV[i + 1]) end
redis.call('SET', KEYS[1], ARGV[2])
return 1`;

export interface RedisProjectionStoreOptions {
  /** e.g. `redis://127.0.0.1:6379`; read from LUCENT_REDIS_URL by the example. */
  readonly url?: string;
  readonly redis?: Redis;
  readonly redisOptions?: RedisOptions;
  /** Prefix of every key (default `lucent:proj:`); one per application, tenant or test file. */
  readonly prefix?: string;
  /** How long a cached active generation is trusted before it is re-read in the background (default 1,000 ms). */
  readonly generationTtlMs?: number;
}

interface CachedGeneration {
  generation: number;
  readAt: number;
  refreshing: boolean;
}

type RedisWithCommit = Redis & {
  lucentProjectionCommit(...args: (string | number)[]): Promise<number>;
};

export class RedisProjectionStore implements ProjectionStore {
  readonly redis: RedisWithCommit;
  private readonly ownsClient: boolean;
  private readonly prefix: string;
  private readonly ttl: number;
  private readonly active = new Map<string, CachedGeneration>();

  constructor(options: RedisProjectionStoreOptions = {}) {
    this.ownsClient = options.redis === undefined;
    const client =
      options.redis ??
      (options.url !== undefined
        ? new Redis(options.url, { maxRetriesPerRequest: 2, ...options.redisOptions })
        : new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 2, ...options.redisOptions }));
    if (typeof (client as unknown as Partial<RedisWithCommit>).lucentProjectionCommit !== 'function') {
      client.defineCommand('lucentProjectionCommit', { lua: commitScript });
    }
    // ioredis reconnects by itself; without a listener a lost connection's 'error' would be unhandled.
    if (this.ownsClient) client.on('error', () => undefined);
    this.redis = client as RedisWithCommit;
    this.prefix = options.prefix ?? 'lucent:proj:';
    this.ttl = options.generationTtlMs ?? 1_000;
  }

  // The projection name in braces is a cluster hash tag: all keys the commit script touches share a slot.
  private base(projection: string): string {
    return `${this.prefix}{${projection}}`;
  }

  private viewKey(projection: string, generation: number, key: string): string {
    return `${this.base(projection)}:g${generation}:v:${key}`;
  }

  private checkpointKey(projection: string, generation: number): string {
    return `${this.base(projection)}:g${generation}:checkpoint`;
  }

  private async wrap<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (error) {
      if (error instanceof LucentError) throw error;
      throw new LucentError('UNAVAILABLE', `Redis projection store failed: ${String((error as Error).message ?? error)}`, undefined, {
        cause: error,
      });
    }
  }

  async activeGeneration(projection: string): Promise<number> {
    const raw = await this.wrap(this.redis.get(`${this.base(projection)}:active`));
    const generation = raw === null ? 1 : Number(raw);
    this.active.set(projection, { generation, readAt: Date.now(), refreshing: false });
    return generation;
  }

  async activate(projection: string, generation: number): Promise<void> {
    await this.wrap(this.redis.set(`${this.base(projection)}:active`, String(generation)));
    this.active.set(projection, { generation, readAt: Date.now(), refreshing: false });
  }

  async checkpoint(projection: string, generation: number): Promise<number> {
    const raw = await this.wrap(this.redis.get(this.checkpointKey(projection, generation)));
    return raw === null ? 0 : Number(raw);
  }

  async load<V>(projection: string, generation: number, keys: readonly string[]): Promise<Map<string, ViewRecord<V>>> {
    const out = new Map<string, ViewRecord<V>>();
    if (keys.length === 0) return out;
    const values = await this.wrap(this.redis.mget(keys.map((k) => this.viewKey(projection, generation, k))));
    keys.forEach((k, i) => {
      const text = values[i];
      if (text !== null && text !== undefined) out.set(k, JSON.parse(text) as ViewRecord<V>);
    });
    return out;
  }

  async commit<V>(
    projection: string,
    generation: number,
    expected: number,
    next: number,
    views: ReadonlyMap<string, ViewRecord<V>>,
  ): Promise<boolean> {
    const keys = [this.checkpointKey(projection, generation)];
    const args: string[] = [String(expected), String(next)];
    for (const [k, record] of views) {
      keys.push(this.viewKey(projection, generation, k));
      args.push(JSON.stringify(record));
    }
    const ok = await this.wrap(this.redis.lucentProjectionCommit(keys.length, ...keys, ...args));
    return ok === 1;
  }

  async dropGeneration(projection: string, generation: number): Promise<void> {
    const pattern = `${this.base(projection)}:g${generation}:*`.replace(/[[\]?\\]/g, '\\$&');
    let cursor = '0';
    do {
      const [nextCursor, keys] = await this.wrap(this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500));
      if (keys.length > 0) await this.wrap(this.redis.unlink(...keys));
      cursor = nextCursor;
    } while (cursor !== '0');
  }

  /**
   * One GET on the hot path: the active generation is cached and re-read in the background when
   * older than the TTL, so after a rebuild switch other processes follow within that time.
   */
  async get<V>(projection: string, key: string): Promise<V | undefined> {
    const cached = this.active.get(projection);
    const generation = cached === undefined ? await this.activeGeneration(projection) : cached.generation;
    if (cached !== undefined && !cached.refreshing && Date.now() - cached.readAt > this.ttl) {
      cached.refreshing = true;
      this.activeGeneration(projection).catch(() => {
        cached.refreshing = false;
      });
    }
    const text = await this.wrap(this.redis.get(this.viewKey(projection, generation, key)));
    return text === null ? undefined : (JSON.parse(text) as ViewRecord<V>).view;
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.redis.quit().catch(() => undefined);
  }
}
