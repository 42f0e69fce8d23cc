// Which servers a run can reach and their versions, so an area without its server is skipped, not crashed.
import { connect } from 'node:net';
import pg from 'pg';
import { Redis } from 'ioredis';

import type { ServerKind } from './types.js';
export type { ServerKind };

export interface ServerUrls {
  readonly postgresUrl: string;
  readonly redisUrl: string;
  readonly natsUrl: string;
}

export interface ServerStatus {
  readonly reachable: boolean;
  /** Version when reachable, else the reason it is not. */
  readonly detail: string;
}

const probeTimeoutMs = 2_000;

function hostPort(url: string, defaultPort: number): { host: string; port: number } {
  const u = new URL(url.includes('://') ? url : `nats://${url}`);
  return { host: u.hostname || '127.0.0.1', port: u.port === '' ? defaultPort : Number(u.port) };
}

function withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no answer within ${probeTimeoutMs} ms`)), probeTimeoutMs);
    work.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

async function postgresVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: probeTimeoutMs });
  try {
    await client.connect();
    const r = await client.query<{ server_version: string }>('SHOW server_version');
    return `PostgreSQL ${r.rows[0]?.server_version ?? '?'}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function redisVersion(url: string): Promise<string> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: probeTimeoutMs });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const info = await redis.info('server');
    return `Redis ${/redis_version:([^\r\n]+)/.exec(info)?.[1] ?? '?'}`;
  } finally {
    redis.disconnect();
  }
}

/** NATS greets every client with `INFO {json}`; reading that line is enough and sends nothing. */
function natsVersion(url: string): Promise<string> {
  const { host, port } = hostPort(url, 4222);
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const line = buffer.split('\r\n')[0];
      if (line === undefined || !buffer.includes('\r\n')) return;
      socket.destroy();
      try {
        const info = JSON.parse(line.replace(/^INFO\s+/, '')) as { version?: string; jetstream?: boolean };
        resolve(`NATS ${info.version ?? '?'}${info.jetstream === true ? ' (JetStream)' : ''}`);
      } catch {
        reject(new Error(`unexpected NATS greeting: ${line.slice(0, 80)}`));
      }
    });
    socket.on('error', (e) => reject(e));
  });
}

export async function probeServer(kind: ServerKind, urls: ServerUrls): Promise<ServerStatus> {
  try {
    const detail =
      kind === 'postgres'
        ? await withTimeout(postgresVersion(urls.postgresUrl), 'PostgreSQL')
        : kind === 'redis'
          ? await withTimeout(redisVersion(urls.redisUrl), 'Redis')
          : await withTimeout(natsVersion(urls.natsUrl), 'NATS');
    return { reachable: true, detail };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { reachable: false, detail: `${kind} unreachable (${message || (error as { code?: string }).code || 'error'})` };
  }
}

export async function probeServers(urls: ServerUrls): Promise<Record<ServerKind, ServerStatus>> {
  const [postgres, redis, nats] = await Promise.all([
    probeServer('postgres', urls),
    probeServer('redis', urls),
    probeServer('nats', urls),
  ]);
  return { postgres, redis, nats };
}
