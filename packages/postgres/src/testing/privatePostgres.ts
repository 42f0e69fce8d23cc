// Test kit: a private PostgreSQL server in a temp directory on a free 127.0.0.1 port, stopped and started by pid.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../../test/support/freePort.js';

const binDir = (): string => {
  const versions = execFileSync('ls', ['/usr/lib/postgresql']).toString().trim().split('\n').sort();
  return `/usr/lib/postgresql/${versions[versions.length - 1]}/bin`;
};

// PostgreSQL refuses to run as root: when the tests run as root, the server runs as the postgres user.
const asRoot = process.getuid?.() === 0;
function command(bin: string, args: string[]): [string, string[]] {
  return asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
}

export class PrivatePostgres {
  private process: ChildProcess | undefined;

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private get dataDir(): string {
    return join(this.dir, 'data');
  }

  static async create(): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'lucent-pg-'));
    if (asRoot) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
      chownSync(dir, uid, gid);
    }
    const [cmd, args] = command(`${binDir()}/initdb`, ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
    execFileSync(cmd, args, { stdio: 'ignore' });
    const server = new PrivatePostgres(dir, await freePort());
    await server.start();
    return server;
  }

  /** Start (or restart) the server on the same port and data; resolves once it accepts connections. */
  async start(): Promise<void> {
    const [cmd, args] = command(`${binDir()}/postgres`, [
      '-D', this.dataDir, '-p', String(this.port), '-k', this.dir,
      '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=50',
    ]);
    this.process = spawn(cmd, args, { stdio: 'ignore' });
    const deadline = Date.now() + 20_000;
    const [ready, readyArgs] = command(`${binDir()}/pg_isready`, ['-h', '127.0.0.1', '-p', String(this.port), '-q']);
    for (;;) {
      try {
        execFileSync(ready, readyArgs, { stdio: 'ignore' });
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`private PostgreSQL on port ${this.port} did not start`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** Fast shutdown of exactly this server (its postmaster pid from the data directory), then wait for it. */
  async stop(): Promise<void> {
    let pid: number;
    try {
      pid = Number(readFileSync(join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      return;
    }
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      return;
    }
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      try {
        process.kill(pid, 0);
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    this.process = undefined;
  }

  /**
   * SIGKILL of exactly this server's postmaster (a crash, no shutdown), then wait until it and its
   * backends are gone: backends exit once they see the postmaster die, and a new postmaster refuses
   * to start while any of them still holds the old shared memory. `start()` then runs crash recovery.
   */
  async kill(): Promise<void> {
    const pid = this.postmasterPid();
    if (pid === undefined) return;
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)]).toString().split('\n').map(Number).filter((p) => p > 0);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      return;
    }
    const deadline = Date.now() + 20_000;
    for (const p of [pid, ...children]) {
      while (Date.now() < deadline && alive(p)) await new Promise((r) => setTimeout(r, 50));
    }
    this.process = undefined;
  }

  private postmasterPid(): number | undefined {
    try {
      return Number(readFileSync(join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      return undefined;
    }
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Running, and not a zombie: an orphaned backend that exited waits as one until its new parent reaps it. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
