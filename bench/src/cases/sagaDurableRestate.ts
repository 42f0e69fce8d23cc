// saga.durable's Restate side: the workflow as a Restate workflow of ctx.run steps; the restate-server binary shipped in the npm package is
// started here on free loopback ports with its data in a temp directory, and stopped by its pid at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer as createHttp2Server } from 'node:http2';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as restate from '@restatedev/restate-sdk';
import { simulatedIo, workflow, type WorkflowSide } from './sagaDurableWork.js';

const serviceName = 'BenchDurable';
const startTimeoutMs = 30_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A step: the decision, then the I/O, inside ctx.run so its result is journaled before the workflow goes on. */
const step = <T>(ctx: restate.WorkflowContext, name: string, decide: () => T): Promise<T> =>
  ctx.run(name, async () => {
    const result = decide();
    await simulatedIo();
    return result;
  });

const benchWorkflow = restate.workflow({
  name: serviceName,
  handlers: {
    run: async (ctx: restate.WorkflowContext, n: number): Promise<string> => {
      await step(ctx, 'deposit', () => workflow.deposit(n));
      await step(ctx, 'stake', () => workflow.stake(n));
      try {
        await step(ctx, 'confirm', () => {
          const r = workflow.confirm(n);
          // Terminal: journaled as the step's failure and not retried, so the compensation below runs.
          if (r === 'refused') throw new restate.TerminalError(`confirm ${n} refused`);
          return r;
        });
      } catch (error) {
        if (!(error instanceof restate.TerminalError)) throw error;
        await step(ctx, 'unstake', () => workflow.unstake(n));
        await step(ctx, 'refund', () => workflow.refund(n));
        return 'compensated';
      }
      return 'completed';
    },
  },
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function serverBinary(): string {
  const require = createRequire(import.meta.url);
  return require.resolve(`@restatedev/restate-server-${process.platform}-${process.arch}/bin/restate-server`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  }, 15_000);
  await exited;
  clearTimeout(timer);
}

/** POST until the admin API accepts the deployment (it answers once the node has started). */
async function register(adminUrl: string, endpointUrl: string, child: ChildProcess, log: string): Promise<void> {
  const deadline = Date.now() + startTimeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`restate-server exited with code ${child.exitCode}: ${(await readFile(log, 'utf8').catch(() => '')).slice(-300)}`);
    try {
      const res = await fetch(`${adminUrl}/deployments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ uri: endpointUrl }),
      });
      if (res.ok) return;
      last = `${res.status} ${(await res.text()).slice(0, 200)}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(200);
  }
  throw new Error(`restate-server did not take the deployment within ${startTimeoutMs} ms: ${last}`);
}

/** A restate-server from the npm package, on free loopback ports, its data in a temp directory. */
export interface RestateServer {
  readonly ingressUrl: string;
  /** Register an endpoint (an HTTP/2 server of Restate services) with the server, retrying until the server takes it. */
  register(endpointUrl: string): Promise<void>;
  /** Bytes in its data directory now (RocksDB WALs and files). */
  diskBytes(): Promise<number>;
  /** Stop the server by its pid (SIGTERM, SIGKILL after 15 s) and remove its directory. */
  stop(): Promise<void>;
}

async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath ?? entry.path, entry.name)).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

export async function startRestateServer(): Promise<RestateServer> {
  const binary = serverBinary();
  const dir = await mkdtemp(join(tmpdir(), 'lucent-bench-restate-'));
  const [ingress, admin, fabric] = [await freePort(), await freePort(), await freePort()];
  const log = join(dir, 'server.log');
  const out = createWriteStream(log);
  const child = spawn(binary, ['--base-dir', join(dir, 'data'), '--listen-mode', 'tcp', '--no-logo', '--node-name', 'bench'], {
    env: {
      ...process.env,
      RESTATE_INGRESS__BIND_ADDRESS: `127.0.0.1:${ingress}`,
      RESTATE_ADMIN__BIND_ADDRESS: `127.0.0.1:${admin}`,
      RESTATE_BIND_ADDRESS: `127.0.0.1:${fabric}`,
      RESTATE_ADVERTISED_ADDRESS: `http://127.0.0.1:${fabric}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  const stop = async (): Promise<void> => {
    await stopProcess(child);
    out.end();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', reject);
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    ingressUrl: `http://127.0.0.1:${ingress}`,
    register: (endpointUrl) => register(`http://127.0.0.1:${admin}`, endpointUrl, child, log),
    diskBytes: () => directoryBytes(join(dir, 'data')),
    stop,
  };
}

/** Errors only: the default transport writes a line per invocation, work the other sides do not do. */
export const quietLogger: restate.LoggerTransport = (meta, message, ...rest) => {
  if (String(meta.level) === 'error') console.error('[restate]', message, ...rest);
};

export async function startRestateSide(): Promise<WorkflowSide> {
  const server = await startRestateServer();
  const endpoint = createHttp2Server(restate.createEndpointHandler({ services: [benchWorkflow], logger: quietLogger }));
  const stop = async (): Promise<void> => {
    await server.stop();
    endpoint.close();
  };
  try {
    await new Promise<void>((resolve, reject) => {
      endpoint.once('error', reject);
      endpoint.listen(0, '127.0.0.1', () => resolve());
    });
    const address = endpoint.address();
    const endpointPort = typeof address === 'object' && address !== null ? address.port : 0;
    await server.register(`http://127.0.0.1:${endpointPort}`);
    const ingressUrl = server.ingressUrl;
    let seq = 0;
    const run = async (n: number): Promise<string> => {
      const key = `w${++seq}`;
      const res = await fetch(`${ingressUrl}/${serviceName}/${key}/run`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(n),
      });
      const body = await res.text();
      if (!res.ok) throw new Error(`restate ${serviceName}/${key}/run: ${res.status} ${body.slice(0, 200)}`);
      return key;
    };
    // The first call after registration may still find the deployment unknown to the ingress: retry it briefly.
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      try {
        await run(0);
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(200);
      }
    }
    return {
      name: 'restate',
      run,
      check: async (key) => {
        const res = await fetch(`${ingressUrl}/restate/workflow/${serviceName}/${key}/output`);
        return res.ok ? String(JSON.parse(await res.text())) : `HTTP ${res.status}`;
      },
      storedBytes: () => server.diskBytes(),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
