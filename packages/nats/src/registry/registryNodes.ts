// Starts and talks to registry test nodes (child processes), for the multi-process spec and the propagation benchmark.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { NodeReport } from './registryTestProtocol.js';

export interface NodeHandle {
  readonly id: string;
  readonly child: ChildProcess;
  /** revision → epoch ms (fractional) when this node applied it. */
  readonly applied: Map<number, number>;
  readonly ready: Promise<number>;
}

export interface StartNodeOptions {
  readonly id: string;
  readonly bucket: string;
  readonly subjectPrefix: string;
  readonly natsUrl: string;
  /** Command and arguments that run registryTestNode (vite-node on the source in tests, node on dist in the bench). */
  readonly command: readonly [string, ...string[]];
  readonly cwd?: string;
}

export function startNode(options: StartNodeOptions): NodeHandle {
  const [cmd, ...args] = options.command;
  const child = spawn(cmd, args, {
    cwd: options.cwd,
    stdio: ['pipe', 'pipe', 'inherit'],
    env: {
      ...process.env,
      NODE_ID: options.id,
      BUCKET: options.bucket,
      SUBJECT_PREFIX: options.subjectPrefix,
      NATS_URL: options.natsUrl,
    },
  });
  const applied = new Map<number, number>();
  const ready = new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`node ${options.id} exited with ${code} before it was ready`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const report = JSON.parse(line) as NodeReport;
      if (report.kind === 'applied') applied.set(report.revision, report.at);
      else resolve(report.revision);
    });
  });
  return { id: options.id, child, applied, ready };
}

/** Resolves when every node has applied `revision`; rejects after the deadline naming the nodes that did not. */
export async function appliedEverywhere(nodes: readonly NodeHandle[], revision: number, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!nodes.every((n) => n.applied.has(revision))) {
    if (Date.now() > end) {
      const missing = nodes.filter((n) => !n.applied.has(revision)).map((n) => n.id);
      throw new Error(`revision ${revision} not applied by ${missing.join(', ')} within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 2));
  }
}

export async function stopNode(node: NodeHandle): Promise<void> {
  if (node.child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => node.child.once('exit', () => resolve()));
  node.child.kill('SIGTERM');
  const timer = setTimeout(() => node.child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
