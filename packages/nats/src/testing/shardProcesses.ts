// Test kit: start shard processes (vite-node children, so sources run as they are) and stop or SIGKILL them by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const viteNode = fileURLToPath(new URL('../../../../node_modules/vite-node/vite-node.mjs', import.meta.url));
const entry = fileURLToPath(new URL('./shardProcess.ts', import.meta.url));

export interface ShardProcess {
  readonly id: string;
  readonly child: ChildProcess;
  /** SIGKILL: no drain, no goodbye report, sockets cut — what a crash looks like. */
  kill(): void;
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<void>;
}

/** Spawn one shard process with this config (see ShardConfig) and resolve once it serves. */
export function startShardProcess(config: Record<string, unknown> & { id: string }, timeoutMs = 60_000): Promise<ShardProcess> {
  // node runs vite-node directly (not through npx), so the pid we hold is the shard's own.
  const child = spawn(process.execPath, [viteNode, '--config', 'vitest.config.ts', entry], {
    cwd: root,
    env: { ...process.env, LUCENT_SHARD_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4_000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const handle: ShardProcess = {
    id: config.id,
    child,
    kill: () => {
      if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
      await exited;
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      handle.kill();
      reject(new Error(`shard ${config.id} did not start within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(`ready ${config.id}`)) {
        clearTimeout(timer);
        resolve(handle);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`shard ${config.id} exited with ${code} before it was ready: ${stderr}`));
    });
  });
}
