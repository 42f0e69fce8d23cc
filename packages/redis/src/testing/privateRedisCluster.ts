// Test kit: a private Redis Cluster (masters with replicas) on free ports, whose masters a test may SIGKILL by pid and restart.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

const run = promisify(execFile);

export interface PrivateRedisClusterOptions {
  /** Masters (default 3; Redis Cluster needs at least 3). */
  readonly masters?: number;
  /** Replicas per master (default 1): what a failover promotes. */
  readonly replicasPerMaster?: number;
  /** Address every node binds to and announces (default 127.0.0.1; e.g. a bridge address reached from network namespaces). */
  readonly host?: string;
  /** `cluster-node-timeout`: how long a silent master has before its replica is promoted (default 1,000 ms). */
  readonly nodeTimeoutMs?: number;
  /** Keep an append-only file per node (default false: a node restarts empty and syncs from its master). */
  readonly appendOnly?: boolean;
  readonly redisServer?: string;
  readonly redisCli?: string;
  /** How long `create`, a promotion or a restart may take before it fails (default 30,000 ms). */
  readonly timeoutMs?: number;
}

export interface RedisClusterNode {
  readonly port: number;
  readonly url: string;
  /** The node's cluster id (CLUSTER MYID). */
  readonly id: string;
  /** The redis-server process id; undefined while the node is down. */
  readonly pid: number | undefined;
  readonly running: boolean;
}

export interface Promotion {
  readonly killed: RedisClusterNode;
  readonly promoted: RedisClusterNode;
  /** The slot whose master was killed. */
  readonly slot: number;
  /** From the SIGKILL to every surviving node reporting `cluster_state:ok` with the slot on the promoted replica. */
  readonly failoverMs: number;
}

interface NodeState {
  port: number;
  id: string;
  dir: string;
  process: ChildProcess | undefined;
}

interface NodesLine {
  readonly id: string;
  readonly port: number;
  readonly flags: readonly string[];
  readonly masterId: string | undefined;
  readonly connected: boolean;
  readonly slots: readonly (readonly [number, number])[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `CLUSTER NODES` text → one entry per node (`id ip:port@bus flags master ping pong epoch link slot...`). */
function parseNodes(text: string): NodesLine[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => {
      const [id = '', address = '', flags = '', master = '-', , , , link = '', ...slots] = line.trim().split(' ');
      const port = Number(address.split('@')[0]?.split(':').pop());
      return {
        id,
        port,
        flags: flags.split(','),
        masterId: master === '-' ? undefined : master,
        connected: link === 'connected',
        slots: slots
          .filter((s) => !s.startsWith('['))
          .map((s) => {
            const [from, to = from] = s.split('-');
            return [Number(from), Number(to)] as const;
          }),
      };
    });
}

/** A port free on `host` whose cluster bus port (port + 10,000) is free too; below the ephemeral range, so outgoing connections do not take it. */
async function freeClusterPort(host: string, taken: ReadonlySet<number>): Promise<number> {
  const listens = (port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, host, () => s.close(() => resolve(true)));
    });
  for (let i = 0; i < 200; i++) {
    const port = 17_000 + Math.floor(Math.random() * 10_000);
    if (taken.has(port) || taken.has(port + 10_000)) continue;
    if ((await listens(port)) && (await listens(port + 10_000))) return port;
  }
  throw new Error(`No free port pair (port, port + 10000) on ${host}`);
}

export class PrivateRedisCluster {
  private readonly nodeStates: NodeState[] = [];
  private stopped = false;
  private readonly exitHook = (): void => this.killAllNow();

  private constructor(
    readonly host: string,
    private readonly root: string,
    private readonly options: Required<Omit<PrivateRedisClusterOptions, 'host'>>,
  ) {}

  /** Start `masters × (1 + replicasPerMaster)` nodes, join them with `redis-cli --cluster create`, wait for `cluster_state:ok`. */
  static async create(options: PrivateRedisClusterOptions = {}): Promise<PrivateRedisCluster> {
    const resolved = {
      masters: options.masters ?? 3,
      replicasPerMaster: options.replicasPerMaster ?? 1,
      nodeTimeoutMs: options.nodeTimeoutMs ?? 1_000,
      appendOnly: options.appendOnly ?? false,
      redisServer: options.redisServer ?? 'redis-server',
      redisCli: options.redisCli ?? 'redis-cli',
      timeoutMs: options.timeoutMs ?? 30_000,
    };
    if (resolved.masters < 3) throw new Error(`PrivateRedisCluster: masters must be at least 3 (Redis Cluster needs a majority of masters), got ${resolved.masters}`);
    const cluster = new PrivateRedisCluster(options.host ?? '127.0.0.1', mkdtempSync(join(tmpdir(), 'lucent-redis-cluster-')), resolved);
    process.once('exit', cluster.exitHook);
    try {
      await cluster.boot();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** Seed URLs (`redis://host:port`, every node): what LUCENT_REDIS_URL takes, comma-separated. */
  get urls(): string[] {
    return this.nodeStates.map((n) => this.urlOf(n.port));
  }

  get nodes(): RedisClusterNode[] {
    return this.nodeStates.map((n) => this.describe(n));
  }

  private urlOf(port: number): string {
    return `redis://${this.host}:${port}`;
  }

  private describe(n: NodeState): RedisClusterNode {
    const running = n.process !== undefined && n.process.exitCode === null && n.process.signalCode === null;
    return { port: n.port, url: this.urlOf(n.port), id: n.id, pid: running ? n.process?.pid : undefined, running };
  }

  private async boot(): Promise<void> {
    const count = this.options.masters * (1 + this.options.replicasPerMaster);
    const taken = new Set<number>();
    for (let i = 0; i < count; i++) {
      // A port found free can be taken before redis-server binds it (the bus port may fall in the
      // ephemeral range): a node that exits at start is tried again on other ports.
      for (let attempt = 1; ; attempt++) {
        const port = await freeClusterPort(this.host, taken);
        taken.add(port);
        taken.add(port + 10_000);
        const dir = join(this.root, String(port));
        mkdirSync(dir);
        const state: NodeState = { port, id: '', dir, process: undefined };
        try {
          await this.startNode(state);
        } catch (error) {
          await this.kill(state);
          if (attempt >= 3) throw error;
          continue;
        }
        this.nodeStates.push(state);
        state.id = await this.ask(port, (r) => r.cluster('MYID') as Promise<string>);
        break;
      }
    }
    // --cluster-yes answers the layout prompt; which node is a master is read back from CLUSTER NODES when needed.
    await run(
      this.options.redisCli,
      ['--cluster', 'create', ...this.nodeStates.map((n) => `${this.host}:${n.port}`), '--cluster-replicas', String(this.options.replicasPerMaster), '--cluster-yes'],
      { timeout: this.options.timeoutMs },
    );
    await this.waitUntil('cluster_state:ok on every node with every replica in sync', () => this.healthy());
  }

  private startNode(state: NodeState): Promise<void> {
    const args = [
      '--port', String(state.port),
      '--bind', this.host,
      '--protected-mode', 'no',
      '--cluster-enabled', 'yes',
      '--cluster-config-file', join(state.dir, 'nodes.conf'),
      '--cluster-node-timeout', String(this.options.nodeTimeoutMs),
      '--dir', state.dir,
      '--logfile', join(state.dir, 'redis.log'),
      '--save', '',
      '--appendonly', this.options.appendOnly ? 'yes' : 'no',
      // A replica (re)joining syncs at once instead of after the default 5 s wait for more replicas.
      '--repl-diskless-sync-delay', '0',
    ];
    const child = spawn(this.options.redisServer, args, { stdio: 'ignore' });
    state.process = child;
    return this.waitUntil(`redis-server on ${this.host}:${state.port} answers`, async () => {
      if (child.exitCode !== null) throw new Error(`redis-server on ${this.host}:${state.port} exited with ${child.exitCode} (log: ${join(state.dir, 'redis.log')})`);
      return (await this.ask(state.port, (r) => r.ping()).catch(() => '')) === 'PONG';
    });
  }

  /** One command on one node over a short-lived connection (no retries, so a dead node fails fast). */
  private async ask<T>(port: number, command: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = new Redis({ host: this.host, port, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 1_000, retryStrategy: () => null });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      return await command(redis);
    } finally {
      redis.disconnect();
    }
  }

  private async waitUntil(what: string, check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + this.options.timeoutMs;
    for (;;) {
      if (await check()) return;
      if (this.stopped) throw new Error(`PrivateRedisCluster stopped while waiting for ${what}`);
      if (Date.now() > deadline) throw new Error(`PrivateRedisCluster: no ${what} within ${this.options.timeoutMs} ms`);
      await sleep(50);
    }
  }

  /** Every running node says `cluster_state:ok`, sees the others it should, and every running replica's link to its master is up. */
  private async healthy(): Promise<boolean> {
    for (const n of this.nodeStates) {
      if (!this.describe(n).running) continue;
      const ok = await this.ask(n.port, async (r) => {
        const info = (await r.cluster('INFO')) as string;
        if (!info.includes('cluster_state:ok')) return false;
        const replication = await r.info('replication');
        return !replication.includes('role:slave') || replication.includes('master_link_status:up');
      }).catch(() => false);
      if (!ok) return false;
    }
    return true;
  }

  private async clusterNodes(): Promise<NodesLine[]> {
    for (const n of this.nodeStates) {
      if (!this.describe(n).running) continue;
      const text = await this.ask(n.port, (r) => r.cluster('NODES') as Promise<string>).catch(() => undefined);
      if (text !== undefined) return parseNodes(text);
    }
    throw new Error('PrivateRedisCluster: no node answers');
  }

  /** The hash slot of a key (CLUSTER KEYSLOT, so hash tags count exactly as the server counts them). */
  async slotOf(key: string): Promise<number> {
    const alive = this.nodeStates.find((n) => this.describe(n).running);
    if (alive === undefined) throw new Error('PrivateRedisCluster: no node is running');
    return this.ask(alive.port, (r) => r.cluster('KEYSLOT', key) as Promise<number>);
  }

  /** The node that serves `slotOrKey` as master now. */
  async masterOf(slotOrKey: number | string): Promise<RedisClusterNode> {
    const slot = typeof slotOrKey === 'number' ? slotOrKey : await this.slotOf(slotOrKey);
    const line = (await this.clusterNodes()).find((l) => l.flags.includes('master') && !l.flags.includes('fail') && l.slots.some(([from, to]) => slot >= from && slot <= to));
    const state = this.nodeStates.find((n) => n.id === line?.id);
    if (state === undefined) throw new Error(`PrivateRedisCluster: no master serves slot ${slot}`);
    return this.describe(state);
  }

  /**
   * SIGKILL the master serving `slotOrKey` (by its pid) and wait until a replica serves the slot and
   * every surviving node is back at `cluster_state:ok`.
   */
  async killMaster(slotOrKey: number | string): Promise<Promotion> {
    const slot = typeof slotOrKey === 'number' ? slotOrKey : await this.slotOf(slotOrKey);
    const victim = await this.masterOf(slot);
    const state = this.nodeStates.find((n) => n.id === victim.id) as NodeState;
    const started = performance.now();
    await this.kill(state);
    let promoted: RedisClusterNode | undefined;
    await this.waitUntil(`promotion of a replica for slot ${slot}`, async () => {
      const owner = await this.masterOf(slot).catch(() => undefined);
      if (owner === undefined || owner.id === victim.id || !owner.running) return false;
      promoted = owner;
      return this.healthy();
    });
    return { killed: this.describe(state), promoted: promoted as RedisClusterNode, slot, failoverMs: performance.now() - started };
  }

  /**
   * Start a stopped node again on its port and directory; it rejoins with its nodes.conf and, once a
   * replica was promoted in its place, becomes that replica's replica. Resolves when the cluster is healthy.
   * Restart a killed master only after its promotion (killMaster waits for it): an empty master coming
   * back before the failover would serve its slots empty.
   */
  async restart(node: RedisClusterNode | number): Promise<RedisClusterNode> {
    const port = typeof node === 'number' ? node : node.port;
    const state = this.nodeStates.find((n) => n.port === port);
    if (state === undefined) throw new Error(`PrivateRedisCluster: no node on port ${port}`);
    if (this.describe(state).running) await this.kill(state);
    // A master whose slots went to its promoted replica comes back as that replica's replica: wait for the link.
    const replaced = (await this.clusterNodes()).find((l) => l.id === state.id)?.slots.length === 0;
    await this.startNode(state);
    await this.waitUntil(`node ${this.host}:${port} rejoined`, async () => {
      if (replaced) {
        const replication = await this.ask(port, (r) => r.info('replication')).catch(() => '');
        if (!replication.includes('role:slave') || !replication.includes('master_link_status:up')) return false;
      }
      return this.healthy();
    });
    return this.describe(state);
  }

  private async kill(state: NodeState): Promise<void> {
    const child = state.process;
    if (child === undefined || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    process.kill(child.pid, 'SIGKILL');
    await exited;
  }

  private killAllNow(): void {
    for (const n of this.nodeStates) {
      const pid = n.process?.pid;
      if (pid !== undefined && n.process?.exitCode === null && n.process.signalCode === null) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
  }

  /** SIGKILL this cluster's own redis-server processes (by pid) and remove its temp directory. */
  async stop(): Promise<void> {
    this.stopped = true;
    process.removeListener('exit', this.exitHook);
    for (const n of this.nodeStates) await this.kill(n);
    rmSync(this.root, { recursive: true, force: true });
  }
}
