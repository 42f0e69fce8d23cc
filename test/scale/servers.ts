// The scale topology's servers, from the machine's own binaries: three nats-server clustered by routes with JetStream, and a private PostgreSQL on the host's bridge address.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chownSync, mkdirSync, readdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import type { Ledger } from './ledger.js';
import { hostAddress, hosts, type NetHost } from './network.js';
import { startProcess, waitForLog, type Started } from './processes.js';

export const natsHosts = [hosts.nats1, hosts.nats2, hosts.nats3] as const;
export const natsClientPort = 4222;
export const natsMonitorPort = 8222;
const natsRoutePort = 6222;
export const pgPort = 55432;

/** Where one server of the cluster listens and keeps its JetStream data, and its routes to the others. */
export interface NatsServerLayout {
  readonly serverName: string;
  readonly listen: string;
  readonly httpHost: string;
  readonly httpPort: number;
  readonly storeDir: string;
  readonly cluster: { readonly name: string; readonly listen: string; readonly routes: readonly string[] };
}

/**
 * What securing the bus changes: each server's config (TLS, accounts with the role permissions) and
 * each process's client environment. The one place the topology switches from an open bus to a secured one.
 */
export interface BusSecurity {
  serverConfig(layout: NatsServerLayout): string;
  /** Environment of a process in `role` (LUCENT_NATS_NKEY_SEED, LUCENT_NATS_TLS_*); a shard's names its id. */
  clientEnv(role: 'gateway' | 'operator' | { readonly shard: string }): Record<string, string>;
  /** What the table's security row reports. */
  readonly description: string;
}

export function natsUrlOf(host: NetHost): string {
  return `nats://${host.address}:${natsClientPort}`;
}

/** `first`'s URL, then the other servers as fallbacks in order (connectNats keeps the order). */
export function natsUrlsPreferring(first: NetHost): string {
  return [first, ...natsHosts.filter((h) => h !== first)].map((h) => natsUrlOf(h)).join(',');
}

export interface NatsServer {
  readonly host: NetHost;
  readonly config: string;
  process: Started;
}

function layoutOf(host: NetHost, storeDir: string): NatsServerLayout {
  return {
    serverName: host.name,
    listen: `${host.address}:${natsClientPort}`,
    httpHost: host.address,
    httpPort: natsMonitorPort,
    storeDir,
    cluster: { name: 'lcs', listen: `${host.address}:${natsRoutePort}`, routes: natsHosts.filter((h) => h !== host).map((h) => `nats-route://${h.address}:${natsRoutePort}`) },
  };
}

/** An open bus: no TLS, no accounts. */
function openConfig(layout: NatsServerLayout): string {
  return [
    `server_name: ${layout.serverName}`,
    `listen: "${layout.listen}"`,
    `http: "${layout.httpHost}:${layout.httpPort}"`,
    `jetstream { store_dir: "${layout.storeDir}", max_memory_store: 64MB, max_file_store: 1GB }`,
    `cluster { name: ${layout.cluster.name}, listen: "${layout.cluster.listen}", routes: [${layout.cluster.routes.map((r) => `"${r}"`).join(', ')}] }`,
    '',
  ].join('\n');
}

/** Start one nats-server in its namespace from its config file; resolves once it listens for clients. */
export async function startNatsServer(ledger: Ledger, server: Omit<NatsServer, 'process'>, logDir: string): Promise<Started> {
  const started = startProcess(ledger, { role: server.host.name, command: 'nats-server', args: ['-c', server.config], host: server.host, logDir });
  await waitForLog(started, 'Server is ready', 20_000);
  return started;
}

export async function startNatsCluster(ledger: Ledger, dir: string, security: BusSecurity | undefined): Promise<NatsServer[]> {
  const servers = natsHosts.map((host) => {
    const storeDir = path.join(dir, `${host.name}-jetstream`);
    mkdirSync(storeDir, { recursive: true });
    const config = path.join(dir, `${host.name}.conf`);
    const layout = layoutOf(host, storeDir);
    writeFileSync(config, security === undefined ? openConfig(layout) : security.serverConfig(layout));
    return { host, config };
  });
  const started = await Promise.all(servers.map((s) => startNatsServer(ledger, s, dir)));
  return servers.map((s, i) => ({ ...s, process: started[i]! }));
}

function postgresBin(name: string): string {
  const versions = readdirSync('/usr/lib/postgresql')
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error('PostgreSQL binaries not found in /usr/lib/postgresql/*/bin (apt-get install postgresql)');
  return `/usr/lib/postgresql/${versions[0]}/bin/${name}`;
}

/** PostgreSQL refuses to run as root: the private server runs as the machine's `postgres` user. */
function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

export interface PrivatePostgres {
  readonly url: string;
  readonly dataDir: string;
  /** The postmaster's pid now (it changes with a restart). */
  pid(): number;
  /**
   * `pg_ctl stop -m fast` (running transactions rolled back, connections cut), `downMs` with no server,
   * then `pg_ctl start` on the same data: a restart long enough to be seen by the commands in flight.
   */
  restart(downMs: number): Promise<void>;
}

export async function startPostgres(ledger: Ledger, dir: string): Promise<PrivatePostgres> {
  const { uid, gid } = postgresUser();
  // Everything the server writes (data, socket, log) under one dir its user owns.
  const pgDir = path.join(dir, 'postgres');
  const dataDir = path.join(pgDir, 'data');
  const socketDir = path.join(pgDir, 'socket');
  for (const d of [pgDir, dataDir, socketDir]) {
    mkdirSync(d, { recursive: true });
    chownSync(d, uid, gid);
  }
  const asPostgres = { uid, gid, stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'] };
  execFileSync(postgresBin('initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], asPostgres);
  appendFileSync(
    path.join(dataDir, 'postgresql.conf'),
    [`listen_addresses = '${hostAddress}'`, `port = ${pgPort}`, `unix_socket_directories = '${socketDir}'`, 'max_connections = 200', 'fsync = off', ''].join('\n'),
  );
  writeFileSync(path.join(dataDir, 'pg_hba.conf'), ['local all all trust', 'host all all 10.77.0.0/24 trust', ''].join('\n'));
  const log = path.join(pgDir, 'postgres.log');
  const ctl = (args: readonly string[]): void => {
    execFileSync(postgresBin('pg_ctl'), ['-D', dataDir, '-l', log, '-w', '-t', '30', ...args], { ...asPostgres, cwd: pgDir });
  };
  const pid = (): number => Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  ctl(['start']);
  ledger.process(pid(), 'postgres');
  return {
    url: `postgres://postgres@${hostAddress}:${pgPort}/postgres`,
    dataDir,
    pid,
    restart: async (downMs) => {
      // Not execFileSync: the load runs in this process and must not stall while PostgreSQL restarts.
      const ctlAsync = (args: readonly string[]) => promisify(execFile)(postgresBin('pg_ctl'), ['-D', dataDir, '-l', log, '-w', '-t', '30', ...args], { uid, gid, cwd: pgDir });
      await ctlAsync(['stop', '-m', 'fast']);
      await new Promise((r) => setTimeout(r, downMs));
      await ctlAsync(['start']);
      // The postmaster's children end with it; the new postmaster is recorded as it starts.
      ledger.process(pid(), 'postgres');
    },
  };
}
