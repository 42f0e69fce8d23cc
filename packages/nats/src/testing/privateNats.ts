// Test kit: a private nats-server on a free 127.0.0.1 port that a test may stop and restart (by its own pid) under load.
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { freePort } from '../../../../test/support/freePort.js';

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export class PrivateNats {
  private process: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly args: readonly string[],
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** @param args further nats-server flags, e.g. `['-js', '-sd', dir]` for JetStream kept across restarts. */
  static async create(args: readonly string[] = []): Promise<PrivateNats> {
    const server = new PrivateNats(await freePort(), args);
    await server.start();
    return server;
  }

  /** Start (or restart) on the same port; resolves once it accepts connections. */
  async start(): Promise<void> {
    const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(this.port), ...this.args], { stdio: 'ignore' });
    this.process = child;
    const deadline = Date.now() + 10_000;
    while (!(await accepts(this.port))) {
      if (child.exitCode !== null) throw new Error(`nats-server on port ${this.port} exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error(`nats-server on port ${this.port} did not start`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stop exactly this server (SIGKILL when `hard`), and wait for it to be gone. */
  async stop(hard = false): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (child === undefined || child.exitCode !== null || child.pid === undefined) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    process.kill(child.pid, hard ? 'SIGKILL' : 'SIGTERM');
    await exited;
  }
}
