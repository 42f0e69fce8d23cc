// Test helper: start `lucent shard` (the built CLI) as its own process, wait until it serves, and connect a ClusterClient to it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClusterClient } from '@lucent/runtime/cluster';
import { connectNats, NatsTransport } from '@lucent/nats';
import { buildCli, repoRoot } from './runBuiltCli.js';

const bin = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));

export interface BuiltShard {
  readonly child: ChildProcess;
  readonly client: ClusterClient;
  /** Everything the shard wrote to stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Its stdout as parsed JSON lines (a shard writes pino lines only). */
  lines(): Record<string, unknown>[];
  /** Resolves with the exit code and when it exited (epoch ms). */
  readonly exited: Promise<{ readonly code: number | null; readonly at: number }>;
  /** SIGKILL it if still running, close the client, remove the config directory. */
  dispose(): Promise<void>;
}

/**
 * Write `config` (a shard config: id, nats, subjectPrefix, module…) to a temporary file, run
 * `lucent shard --config <file> ...args`, resolve once it logs "shard serving" and a ClusterClient
 * on the same subject prefix has seen its report.
 */
export async function startBuiltShard(config: Record<string, unknown> & { nats: string; subjectPrefix: string }, args: readonly string[] = []): Promise<BuiltShard> {
  await buildCli();
  const dir = await mkdtemp(path.join(tmpdir(), 'lucent-built-shard-'));
  const file = path.join(dir, 'shard.json');
  await writeFile(file, JSON.stringify(config));
  const child = spawn(process.execPath, [bin, 'shard', '--config', file, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.once('exit', (code) => resolve({ code, at: Date.now() })));
  let client: ClusterClient | undefined;
  let transport: NatsTransport | undefined;
  const dispose = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await client?.close();
    await transport?.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const until = Date.now() + 60_000;
    while (!stdout.includes('"shard serving"')) {
      if (child.exitCode !== null || Date.now() > until) throw new Error(`shard did not start (exit ${child.exitCode}): ${stdout}${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    transport = new NatsTransport({ connection: await connectNats({ url: config.nats }), subjectPrefix: config.subjectPrefix, ownsConnection: true });
    client = new ClusterClient({ transport });
    await client.ready(1, 20_000);
  } catch (error) {
    await dispose();
    throw error;
  }
  const lines = (): Record<string, unknown>[] =>
    stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { child, client, stdout: () => stdout, stderr: () => stderr, lines, exited, dispose };
}
