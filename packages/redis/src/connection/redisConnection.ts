// Where Redis is: one server or a Redis Cluster, from LUCENT_REDIS_URL (comma-separated seeds) and LUCENT_REDIS_CLUSTER; and the ioredis client for it.
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { ValidationError, type FieldIssue } from '@lucent/core';

export interface RedisConnection {
  /** `redis://host:port` URLs: the one server, or seed nodes of a cluster (ioredis discovers the rest). */
  readonly urls: readonly string[];
  /** Redis Cluster: several URLs, or one with LUCENT_REDIS_CLUSTER=1. */
  readonly cluster: boolean;
}

/** What a client of this package holds: a single server's or a cluster's ioredis client (both speak the commands used here). */
export type RedisClient = Redis | Cluster;

/** Names the errors use: the environment variables by default, option names when a caller passes values in code. */
export interface RedisConnectionNames {
  readonly url: string;
  readonly cluster: string;
}

const envNames: RedisConnectionNames = { url: 'LUCENT_REDIS_URL', cluster: 'LUCENT_REDIS_CLUSTER' };

function clusterFlag(value: string | boolean | undefined, name: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  const text = value.trim().toLowerCase();
  if (text === '') return undefined;
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['0', 'false', 'no', 'off'].includes(text)) return false;
  throw new ValidationError('config', name, [{ path: name, message: `write 1 (Redis Cluster) or 0 (one server), not ${JSON.stringify(value)}` }]);
}

/**
 * `redis://a:7000,redis://b:7001` → a cluster with those seeds; one URL is one server unless `cluster`
 * says 1/true. Every URL must be `redis://` or `rediss://` with a host; a cluster has no database
 * number (Redis Cluster has only database 0). Throws ValidationError naming the variable.
 */
export function parseRedisConnection(urls: string, cluster?: string | boolean, names: RedisConnectionNames = envNames): RedisConnection {
  const list = urls
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  const issues: FieldIssue[] = [];
  if (list.length === 0) issues.push({ path: names.url, message: 'give at least one redis://host:port URL (several, comma-separated, for a Redis Cluster)' });
  const flag = clusterFlag(cluster, names.cluster);
  const isCluster = list.length > 1 || flag === true;
  if (list.length > 1 && flag === false) {
    issues.push({ path: names.cluster, message: `is 0 but ${names.url} lists ${list.length} URLs, which means a Redis Cluster; give one URL or drop ${names.cluster}` });
  }
  for (const text of list) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      issues.push({ path: names.url, message: `${JSON.stringify(text)} is not a URL; write redis://host:port` });
      continue;
    }
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') issues.push({ path: names.url, message: `${JSON.stringify(text)}: the scheme must be redis:// or rediss://` });
    else if (url.hostname === '') issues.push({ path: names.url, message: `${JSON.stringify(text)} has no host` });
    else if (url.port !== '' && !(Number(url.port) >= 1 && Number(url.port) <= 65_535)) issues.push({ path: names.url, message: `${JSON.stringify(text)}: bad port` });
    else if (isCluster && url.pathname !== '' && url.pathname !== '/' && url.pathname !== '/0') {
      issues.push({ path: names.url, message: `${JSON.stringify(text)}: a Redis Cluster has only database 0, drop ${url.pathname}` });
    }
  }
  if (issues.length > 0) throw new ValidationError('config', names.url, issues);
  return { urls: list, cluster: isCluster };
}

/** From LUCENT_REDIS_URL and LUCENT_REDIS_CLUSTER; undefined when LUCENT_REDIS_URL is unset or empty. */
export function redisConnectionFromEnv(env: NodeJS.ProcessEnv = process.env): RedisConnection | undefined {
  const url = env['LUCENT_REDIS_URL'];
  if (url === undefined || url.trim() === '') {
    if (clusterFlag(env['LUCENT_REDIS_CLUSTER'], 'LUCENT_REDIS_CLUSTER') === true) {
      throw new ValidationError('config', 'LUCENT_REDIS_CLUSTER', [{ path: 'LUCENT_REDIS_CLUSTER', message: 'is 1 but LUCENT_REDIS_URL is not set; give the cluster seed URLs there' }]);
    }
    return undefined;
  }
  return parseRedisConnection(url, env['LUCENT_REDIS_CLUSTER']);
}

export interface OpenRedisOptions {
  /** Options of every connection (each cluster node's too): retries, offline queue, timeouts. */
  readonly redisOptions?: RedisOptions;
  /** Further ioredis Cluster options (redirections, slot refresh) when the connection is a cluster. */
  readonly clusterOptions?: ClusterOptions;
}

/** The credentials and TLS a URL carries, as ioredis options (a cluster takes them per node, not from the seeds). */
function urlOptions(url: URL): RedisOptions {
  return {
    ...(url.username === '' ? {} : { username: decodeURIComponent(url.username) }),
    ...(url.password === '' ? {} : { password: decodeURIComponent(url.password) }),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** A connected-on-demand ioredis client: a `Cluster` over the seeds, or a `Redis` for one server. */
export function openRedisClient(connection: RedisConnection, options: OpenRedisOptions = {}): RedisClient {
  const first = connection.urls[0];
  if (first === undefined) throw new ValidationError('config', 'LUCENT_REDIS_URL', [{ path: 'urls', message: 'no URL' }]);
  if (!connection.cluster) return new Redis(first, { ...options.redisOptions });
  const seeds = connection.urls.map((u) => new URL(u));
  const nodes = seeds.map((u) => ({ host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port: u.port === '' ? 6379 : Number(u.port) }));
  return new Cluster(nodes, {
    ...options.clusterOptions,
    redisOptions: { ...urlOptions(seeds[0] as URL), ...options.redisOptions, ...options.clusterOptions?.redisOptions },
  });
}

/** True for an ioredis Cluster client (its public `isCluster` flag). */
export function isCluster(client: RedisClient): client is Cluster {
  return client.isCluster;
}
