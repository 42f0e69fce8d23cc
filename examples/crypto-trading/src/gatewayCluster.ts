// Test kit for the gateway specs: `lucent shard` processes of the example on real NATS, the gateway (this process) on PostgreSQL and Redis, HTTP calls with tokens.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { connectNats } from '@lucent/nats';
import { RegistryAdmin } from '@lucent/runtime';
import { createCryptoService, type CryptoService } from './app.js';
import { configFromEnv } from './config.js';
import { freePort, run, startShard } from './demo/cluster.js';
import { demoSecret, tokenFor, type Caller } from './demo/http.js';

export const natsUrl = 'nats://127.0.0.1:4222';
const root = fileURLToPath(new URL('../../../', import.meta.url));
const mainScript = path.join(root, 'examples/crypto-trading/dist/main.js');
const pgUrl = 'postgres://postgres@127.0.0.1:5432/test';

export interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly shard: string | undefined;
  readonly version: string | undefined;
  /** The Retry-After header of a refused call (429), in seconds. */
  readonly retryAfter: string | undefined;
}

export interface GatewayCluster {
  readonly prefix: string;
  readonly dir: string;
  readonly service: CryptoService;
  readonly baseUrl: string;
  /** Operator actions on the registry the gateway follows (the current gateway's store). */
  admin(): RegistryAdmin;
  readonly shards: Map<string, ChildProcess>;
  /** One HTTP request as `caller` (a bearer token signed with the service's secret). */
  call(method: 'GET' | 'POST' | 'PUT', url: string, caller: Caller, body?: unknown): Promise<Reply>;
  /**
   * Start another gateway as its own process (`node examples/crypto-trading/dist/main.js`, as `npm start`
   * runs it) on the same stores and cluster; resolves once it listens and has printed its start banner
   * (what it printed up to its first `curl` line). Killed by `close()`.
   */
  spawnGateway(): Promise<{ readonly baseUrl: string; readonly child: ChildProcess; readonly banner: string }>;
  /** `lucent publish` a module to the cluster's bundle store; resolves once every shard gave its verdict. */
  publish(modulePath: string): Promise<void>;
  close(): Promise<void>;
}

/** Start `shards` (id → tags) and a gateway in this process on a fresh prefix, PostgreSQL schema and Redis key prefix. */
export async function startGatewayCluster(shards: Readonly<Record<string, readonly string[]>>): Promise<GatewayCluster> {
  const tag = randomBytes(4).toString('hex');
  const prefix = `gw-test-${tag}`;
  const dir = await mkdtemp(path.join(tmpdir(), `lucent-gateway-${tag}-`));
  const keys = await run(['keygen', '--out', dir]);
  if (keys.code !== 0) throw new Error(keys.out);
  const env = {
    PORT: '0',
    LUCENT_PRICE_CRON: 'off',
    LUCENT_AUTH_SECRET: demoSecret,
    LUCENT_NATS_URL: natsUrl,
    LUCENT_NATS_PREFIX: prefix,
    LUCENT_PG_URL: pgUrl,
    LUCENT_PG_SCHEMA: `gw_${tag}`,
    LUCENT_REDIS_URL: 'redis://127.0.0.1:6379',
    LUCENT_REDIS_PREFIX: `lucent-gw-test:${tag}:`,
  };
  const children = new Map<string, ChildProcess>();
  const started = await Promise.allSettled(
    Object.entries(shards).map(async ([id, tags]) => children.set(id, await startShard(id, tags, natsUrl, prefix, path.join(dir, 'lucent-signing.pub')))),
  );
  const killAll = (): void => {
    for (const child of children.values()) if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  };
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed !== undefined) {
    killAll();
    throw failed.reason;
  }
  const open = async (): Promise<{ service: CryptoService; baseUrl: string }> => {
    const service = await createCryptoService(configFromEnv(env), { logs: false });
    await service.app.listen(0, '127.0.0.1');
    const address = service.app.getHttpServer().address();
    await service.topology.cluster?.ready(Object.keys(shards).length, 30_000);
    return { service, baseUrl: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}` };
  };
  const gateway = await open();
  const cluster: GatewayCluster = {
    prefix,
    dir,
    service: gateway.service,
    baseUrl: gateway.baseUrl,
    admin: () => new RegistryAdmin(gateway.service.topology.registry),
    shards: children,
    call: async (method, url, caller, body) => {
      const response = await fetch(`${cluster.baseUrl}${url}`, {
        method,
        headers: { authorization: `Bearer ${tokenFor(caller)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await response.text();
      return {
        status: response.status,
        body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>,
        shard: response.headers.get('x-lucent-shard') ?? undefined,
        version: response.headers.get('x-lucent-version') ?? undefined,
        retryAfter: response.headers.get('retry-after') ?? undefined,
      };
    },
    spawnGateway: async () => {
      const port = await freePort();
      const child = spawn(process.execPath, [mainScript], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env, PORT: String(port) } });
      children.set(`gateway-${port}`, child);
      const baseUrl = `http://127.0.0.1:${port}`;
      const banner = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`the gateway process did not listen within 60 s: ${out.slice(-2_000)}`)), 60_000);
        const onData = (d: Buffer): void => {
          out = (out + d.toString()).slice(-8_000);
          // The banner's lines are written at once after listen; its first curl example ends the part that names the parts.
          if (out.includes(`service on ${baseUrl}`) && out.includes(`curl ${baseUrl}/functions`)) {
            clearTimeout(timer);
            child.stdout?.off('data', onData);
            child.stdout?.resume();
            resolve(out);
          }
        };
        child.stdout?.on('data', onData);
        child.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-8_000)));
        child.once('exit', (code, signal) => (clearTimeout(timer), reject(new Error(`the gateway process exited (${code ?? signal}): ${out.slice(-2_000)}`))));
      });
      return { baseUrl, child, banner };
    },
    publish: async (modulePath) => {
      const published = await run(['publish', modulePath, '--key', path.join(dir, 'lucent-signing.key'), '--nats', natsUrl, '--prefix', prefix, '--wait', '30']);
      if (published.code !== 0) throw new Error(`lucent publish failed: ${published.out}`);
    },
    close: async () => {
      killAll();
      await gateway.service.close().catch(() => undefined);
      const connection = await connectNats({ url: natsUrl });
      const jsm = await connection.jetstreamManager();
      await jsm.streams.delete(`KV_${prefix}-registry`).catch(() => undefined);
      await jsm.streams.delete(`OBJ_${prefix}_bundles`).catch(() => undefined);
      await connection.close();
      const client = new pg.Client({ connectionString: pgUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "gw_${tag}" CASCADE`);
      await client.end();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}

/** Run `send(n)` for n < calls, `concurrency` at a time, stopping at `maxMs`; returns how many ran. */
export async function drive(calls: number, concurrency: number, maxMs: number, send: (n: number) => Promise<void>): Promise<number> {
  const stopAt = Date.now() + maxMs;
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls && Date.now() < stopAt) {
        await send(next++);
        done++;
      }
    }),
  );
  return done;
}
