// Projection store on Redis or Redis Cluster: views and checkpoint of a generation written by one Lua script in one slot, so a crash or a failover never double-applies.
import type { ClusterOptions, RedisOptions } from 'ioredis';
import { LucentError, type ViewRecord } from '@lucent/core';
import type { ProjectionStore } from '@lucent/runtime';
import { isCluster, openRedisClient, parseRedisConnection, type RedisClient } from '../connection/redisConnection.js';
import { ViewGets } from './viewGets.js';

// KEYS[1] checkpoint, KEYS[2..] views; ARGV[1] expected checkpoint, ARGV[2] next, ARGV[3..] view records.
const commitScript = `
local cur = redis.call('GET', KEYS[1])
if cur == false then cur = '0' end
if cur ~= ARGV[1] then return 0 end
for i = 2, #KEYS do redis.call('SET', KEYS[i], ARGV[i + 1]) end
redis.call('SET', KEYS[1], ARGV[2])
return 1`;

/** After a commit, wait until this many replicas hold it (Redis WAIT), at most `timeoutMs`. */
export interface ReplicaWait {
  /** Default 1. */
  readonly replicas?: number;
  /** Default 250 ms. */
  readonly timeoutMs?: number;
  /** After a WAIT that timed out, commits of that projection skip WAIT this long (default 5,000 ms): a master left without replicas would otherwise add the timeout to every commit. */
  readonly pauseAfterTimeoutMs?: number;
}

export interface RedisProjectionStoreOptions {
  /**
   * `redis://127.0.0.1:6379`, or several comma-separated seed URLs of a Redis Cluster (what
   * LUCENT_REDIS_URL holds in the example).
   */
  readonly url?: string;
  /** One URL that is a Redis Cluster node (LUCENT_REDIS_CLUSTER=1 in the example). */
  readonly cluster?: boolean;
  /** A client of your own (a `Redis` or a `Cluster`); the store does not close it. */
  readonly redis?: RedisClient;
  readonly redisOptions?: RedisOptions;
  readonly clusterOptions?: ClusterOptions;
  /** Prefix of every key (default `lucent:proj:`); one per application, tenant or test file. */
  readonly prefix?: string;
  /** How long a cached active generation is trusted before it is re-read in the background (default 1,000 ms). */
  readonly generationTtlMs?: number;
  /**
   * WAIT for replicas after each commit, so an acknowledged checkpoint survives its master's death
   * (Redis replicates asynchronously). Default: on (1 replica, 250 ms) for a cluster, off for one
   * server; `false` turns it off.
   */
  readonly replicaWait?: ReplicaWait | false;
}

interface CachedGeneration {
  generation: number;
  readAt: number;
  refreshing: boolean;
}

type WithCommit = {
  lucentProjectionCommit(...args: (string | number)[]): Promise<number>;
};

type RedisWithCommit = RedisClient & WithCommit;

/** A pipeline as ioredis builds it: defined commands are on pipelines too (its types do not say so). */
interface CommitPipeline {
  lucentProjectionCommit(...args: (string | number)[]): CommitPipeline;
  wait(replicas: number, timeoutMs: number): CommitPipeline;
  exec(): Promise<[error: Error | null, result: unknown][] | null>;
}

export class RedisProjectionStore implements ProjectionStore {
  readonly redis: RedisWithCommit;
  private readonly ownsClient: boolean;
  private readonly prefix: string;
  private readonly ttl: number;
  private readonly active = new Map<string, CachedGeneration>();
  /** Per projection (one hash slot): concurrent reads of its views leave together as one MGET. */
  private readonly reads = new Map<string, ViewGets>();
  private readonly wait: Required<ReplicaWait> | undefined;
  /** Per projection, until when commits skip WAIT after one timed out. */
  private readonly waitPausedUntil = new Map<string, number>();
  /** Commits no replica confirmed within the WAIT timeout (they stand on the master alone until it replicates). */
  unconfirmedCommits = 0;

  constructor(options: RedisProjectionStoreOptions = {}) {
    this.ownsClient = options.redis === undefined;
    const client =
      options.redis ??
      openRedisClient(parseRedisConnection(options.url ?? 'redis://127.0.0.1:6379', options.cluster, { url: 'url', cluster: 'cluster' }), {
        redisOptions: { maxRetriesPerRequest: 2, ...options.redisOptions },
        ...(options.clusterOptions === undefined ? {} : { clusterOptions: options.clusterOptions }),
      });
    if (typeof (client as Partial<WithCommit>).lucentProjectionCommit !== 'function') {
      client.defineCommand('lucentProjectionCommit', { lua: commitScript });
    }
    // ioredis reconnects by itself; without a listener a lost connection's 'error' would be unhandled.
    if (this.ownsClient) client.on('error', () => undefined);
    this.redis = client as RedisWithCommit;
    this.prefix = options.prefix ?? 'lucent:proj:';
    this.ttl = options.generationTtlMs ?? 1_000;
    const wait = options.replicaWait ?? (isCluster(client) ? {} : false);
    this.wait = wait === false ? undefined : { replicas: wait.replicas ?? 1, timeoutMs: wait.timeoutMs ?? 250, pauseAfterTimeoutMs: wait.pauseAfterTimeoutMs ?? 5_000 };
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
    const wait = this.wait;
    if (wait === undefined || (this.waitPausedUntil.get(projection) ?? 0) > Date.now()) {
      return (await this.wrap(this.redis.lucentProjectionCommit(keys.length, ...keys, ...args))) === 1;
    }
    // One pipeline, so WAIT reaches the node that ran the script (WAIT names no key; a cluster
    // sends a pipeline to the slot of its keyed commands) and counts that connection's writes.
    const results = await this.wrap(
      (this.redis.pipeline() as unknown as CommitPipeline)
        .lucentProjectionCommit(keys.length, ...keys, ...args)
        .wait(wait.replicas, wait.timeoutMs)
        .exec(),
    );
    const [[commitError, ok] = [null, 0], [waitError, acked] = [null, 0]] = results ?? [];
    if (commitError !== null) throw this.unavailable(commitError);
    if (ok !== 1) return false;
    if (waitError !== null) {
      // The script ran but the connection went before WAIT answered (its master died?): whether the
      // write outlives a failover is unknown. Failing makes the projector retry the same compare-and-set
      // commit on whoever serves the slot now: it lands once, or finds the checkpoint already moved.
      throw new LucentError('UNAVAILABLE', `Redis projection store: commit of ${projection} ran but its replication is unknown: ${waitError.message}`, { projection }, { cause: waitError });
    }
    if (Number(acked) < wait.replicas) {
      this.unconfirmedCommits++;
      this.waitPausedUntil.set(projection, Date.now() + wait.pauseAfterTimeoutMs);
    }
    return true;
  }

  private unavailable(error: Error): LucentError {
    return new LucentError('UNAVAILABLE', `Redis projection store failed: ${error.message}`, undefined, { cause: error });
  }

  /** The server, or every master of a cluster as the client knows them. */
  private async masters(projection: string): Promise<RedisClient[]> {
    if (!isCluster(this.redis)) return [this.redis];
    // A cluster client lists no node before it has read the slot map; a keyed command waits for it.
    if (this.redis.nodes('master').length === 0) await this.wrap(this.redis.exists(`${this.base(projection)}:active`));
    return this.redis.nodes('master');
  }

  async dropGeneration(projection: string, generation: number): Promise<void> {
    const pattern = `${this.base(projection)}:g${generation}:*`.replace(/[[\]?\\]/g, '\\$&');
    // SCAN sees one node's keys: a cluster is scanned master by master. The hash tag puts a
    // projection's keys on one master; UNLINK goes through the client, which routes it to that slot.
    for (const node of await this.masters(projection)) {
      let cursor = '0';
      do {
        const [nextCursor, keys] = await this.wrap(node.scan(cursor, 'MATCH', pattern, 'COUNT', 500));
        if (keys.length > 0) await this.wrap(this.redis.unlink(...keys));
        cursor = nextCursor;
      } while (cursor !== '0');
    }
  }

  private viewGets(projection: string): ViewGets {
    let gets = this.reads.get(projection);
    if (gets === undefined) {
      gets = new ViewGets({ one: (key) => this.redis.get(key), many: (keys) => this.redis.mget(...keys) });
      this.reads.set(projection, gets);
    }
    return gets;
  }

  /**
   * One GET on the hot path (reads asked at once share one MGET, viewGets.ts): the active
   * generation is cached and re-read in the background when older than the TTL, so after a
   * rebuild switch other processes follow within that time.
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
    const text = await this.wrap(this.viewGets(projection).get(this.viewKey(projection, generation, key)));
    return text === null ? undefined : (JSON.parse(text) as ViewRecord<V>).view;
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.redis.quit().catch(() => undefined);
  }
}
