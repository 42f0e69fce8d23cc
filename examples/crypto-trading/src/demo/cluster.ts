// The demo's cluster: a gateway (this process, on a real HTTP port) and three shards: `lucent shard` processes on NATS when a server is up, else in-process shards.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { RegistryAdmin } from '@lucent/runtime';
import { createCryptoService, type CryptoService } from '../app.js';
import { configFromEnv } from '../config.js';
import { demoSecret } from './http.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const cli = path.join(root, 'packages/cli/dist/bin.js');
const shardConfig = path.join(root, 'examples/crypto-trading/shard.config.json');

/** The demo's shards: whale orders (and arbitrage), Aave work, and a general one that also takes Aave and arbitrage calls. */
export const demoShards = [
  { id: 'whale-1', tags: ['whale', 'arbitrage'] },
  { id: 'aave-1', tags: ['aave'] },
  { id: 'general-1', tags: ['general', 'aave', 'arbitrage'] },
] as const;

export interface DemoCluster {
  readonly mode: 'nats' | 'embedded';
  readonly baseUrl: string;
  readonly service: CryptoService;
  /** Operator actions on the registry the gateway and shards follow. */
  readonly admin: RegistryAdmin;
  /** What the banner says about the stores. */
  readonly stores: string;
  /** Crash one shard: SIGKILL its process (NATS), or stop it without finishing its calls (in-process). */
  kill(id: string): string;
  /** `lucent publish` a module (its bundle is loaded by every running shard); resolves once published. */
  publish(modulePath: string): Promise<string>;
  close(): Promise<void>;
}

/** Whether something listens on 127.0.0.1:port (within 500 ms). */
export function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, timeout: 500 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}

/** A TCP port free on 127.0.0.1 right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Run the built `lucent` CLI with these arguments (the tests and the demo act as an operator would). */
export function run(args: readonly string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd: root, timeout: 60_000, env: { ...process.env, LUCENT_NATS_URL: '' } }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out: `${stdout}${stderr}` }),
    );
  });
}

/**
 * Start `lucent shard` of the example as its own process; resolves once it serves. Without a public
 * key it follows no bundle store; `env` is its environment (this process's by default).
 */
export function startShard(id: string, tags: readonly string[], nats: string, prefix: string, publicKey: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<ChildProcess> {
  const keyArgs = publicKey === undefined ? [] : ['--public-key', publicKey];
  const child = spawn(process.execPath, [cli, 'shard', '--config', shardConfig, '--id', id, '--tags', tags.join(','), '--nats', nats, '--prefix', prefix, ...keyArgs], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`shard ${id} did not start within 60 s: ${out.slice(-2_000)}`)), 60_000);
    const onData = (d: Buffer): void => {
      out = (out + d.toString()).slice(-8_000);
      if (out.includes('"shard serving"')) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-8_000)));
    child.once('exit', (code, signal) => (clearTimeout(timer), reject(new Error(`shard ${id} exited (${code ?? signal}) before serving: ${out.slice(-2_000)}`))));
  });
}

/** Start the gateway and three shards on NATS (PostgreSQL and Redis when up), or everything in this process. */
export async function startDemoCluster(log: (line: string) => void): Promise<DemoCluster> {
  const tag = randomBytes(4).toString('hex');
  const dir = await mkdtemp(path.join(tmpdir(), `lucent-demo-${tag}-`));
  const children = new Map<string, ChildProcess>();
  const cleanups: (() => Promise<void>)[] = [async () => rm(dir, { recursive: true, force: true })];
  const close = async (): Promise<void> => {
    for (const child of children.values()) if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    const keys = await run(['keygen', '--out', dir]);
    if (keys.code !== 0) throw new Error(`lucent keygen failed: ${keys.out}`);
    const publicKey = path.join(dir, 'lucent-signing.pub');
    const signingKey = path.join(dir, 'lucent-signing.key');
    // LUCENT_DEMO_EMBEDDED=1 runs the fallback even when servers are up.
    const embedded = process.env['LUCENT_DEMO_EMBEDDED'] === '1';
    const [nats, postgres, redis] = embedded ? [false, false, false] : await Promise.all([reachable(4222), reachable(5432), reachable(6379)]);
    const prefix = `demo-${tag}`;
    const pgUrl = process.env['LUCENT_DEMO_PG_URL'] ?? 'postgres://postgres:postgres@127.0.0.1:5432/test';
    const env: Record<string, string> = {
      PORT: '0',
      LUCENT_DATA_DIR: ':memory:',
      LUCENT_PRICE_CRON: 'off',
      LUCENT_AUTH_SECRET: demoSecret,
      ...(postgres ? { LUCENT_PG_URL: pgUrl, LUCENT_PG_SCHEMA: `demo_${tag}` } : {}),
      ...(redis ? { LUCENT_REDIS_URL: 'redis://127.0.0.1:6379', LUCENT_REDIS_PREFIX: `lucent-demo:${tag}:` } : {}),
      ...(nats
        ? { LUCENT_NATS_URL: 'nats://127.0.0.1:4222', LUCENT_NATS_PREFIX: prefix }
        : {
            LUCENT_IN_PROCESS_SHARDS: demoShards.map((s) => `${s.id}:${s.tags.join('+')}`).join(','),
            LUCENT_BUNDLE_DIR: path.join(dir, 'bundles'),
            LUCENT_PUBLIC_KEY_FILE: publicKey,
          }),
    };
    if (postgres) {
      cleanups.push(async () => {
        const client = new pg.Client({ connectionString: pgUrl });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "demo_${tag}" CASCADE`);
        await client.end();
      });
    }
    if (nats) {
      log(`  starting shards ${demoShards.map((s) => `${s.id} [${s.tags.join(',')}]`).join(', ')} (lucent shard, prefix ${prefix})`);
      const started = await Promise.all(demoShards.map(async (s) => [s.id, await startShard(s.id, s.tags, 'nats://127.0.0.1:4222', prefix, publicKey)] as const));
      for (const [id, child] of started) children.set(id, child);
    }
    const service = await createCryptoService(configFromEnv(env), { logs: false });
    cleanups.push(async () => {
      await service.close();
      if (nats) {
        // The cluster's buckets: registry and bundles live only as long as the demo.
        const { connectNats } = await import('@lucent/nats');
        const connection = await connectNats({ url: 'nats://127.0.0.1:4222' });
        const jsm = await connection.jetstreamManager();
        await jsm.streams.delete(`KV_${prefix}-registry`).catch(() => undefined);
        await jsm.streams.delete(`OBJ_${prefix}_bundles`).catch(() => undefined);
        await connection.close();
      }
    });
    await service.app.listen(0, '127.0.0.1');
    const address = service.app.getHttpServer().address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    await service.topology.cluster?.ready(demoShards.length, 30_000);
    // From what the service opened, not from what answered on the ports: the banner is evidence of the run.
    const { database, projections } = service.infrastructure.description;
    const stores = `${database === 'postgres' ? `PostgreSQL schema demo_${tag}` : 'PGlite in memory'}, ${projections === 'redis' ? `Redis prefix lucent-demo:${tag}:` : 'projections in memory'}`;
    return {
      mode: nats ? 'nats' : 'embedded',
      baseUrl: `http://127.0.0.1:${port}`,
      service,
      admin: new RegistryAdmin(service.topology.registry),
      stores,
      kill: (id) => {
        const child = children.get(id);
        if (child?.pid !== undefined) {
          process.kill(child.pid, 'SIGKILL');
          return `SIGKILL → ${id} (pid ${child.pid})`;
        }
        // In-process: stop serving at once, without waiting for running calls.
        void service.topology.shards.get(id)?.stop(0);
        return `stopped in-process shard ${id} at once (its running calls not waited for)`;
      },
      publish: async (modulePath) => {
        const target = nats ? ['--nats', 'nats://127.0.0.1:4222', '--prefix', prefix, '--wait', '30'] : ['--data-dir', dir];
        const published = await run(['publish', modulePath, '--key', signingKey, ...target]);
        if (published.code !== 0) throw new Error(`lucent publish failed: ${published.out}`);
        return published.out.trim();
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
