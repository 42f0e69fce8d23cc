// `lucent cluster --shards N --nats URL`: start N shard processes on this machine and show one live status line per shard.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { LoadReport } from '@lucent/core';
import { NatsTransport, connectNats } from '@lucent/nats';
import { parseCommandArgs, type Command } from './command.js';

const defaultConfig = 'examples/crypto-trading/shard.config.json';

interface Child {
  readonly id: string;
  readonly process: ChildProcess;
  exit: string | undefined;
  /** When it exited (epoch ms): a report from a process started after that is its replacement. */
  exitedAt: number | undefined;
  log: string;
}

/** Calls and errors per second over the report's interval, and the function versions it hosts. */
function rates(report: LoadReport): { calls: number; errors: number; functions: number; versions: number } {
  const seconds = (report.intervalMs ?? 1_000) / 1_000;
  let calls = 0;
  let errors = 0;
  let versions = 0;
  for (const f of Object.values(report.functions)) {
    calls += f.calls ?? 0;
    errors += f.errors ?? 0;
    versions += f.versions.length;
  }
  return { calls: calls / seconds, errors: errors / seconds, functions: Object.keys(report.functions).length, versions };
}

/**
 * One status line from a shard's latest report; calls/s from the counts it gathered over its interval.
 * A shard that exited shows as exited, unless a process started since then reports under its id
 * (a replacement, started here or anywhere on the cluster): then that one's line, marked `replaced`.
 */
export function statusLine(id: string, report: LoadReport | undefined, now: number, exit: string | undefined, exitedAt?: number): string {
  const replaced = exit !== undefined && report !== undefined && exitedAt !== undefined && report.startedAt > exitedAt - 1_000 && (report.receivedAt ?? report.sentAt) > exitedAt;
  if (exit !== undefined && !replaced) return `${id.padEnd(14)} exited (${exit})`;
  if (report === undefined) return `${id.padEnd(14)} starting…`;
  const { calls, errors, functions, versions } = rates(report);
  const age = now - (report.receivedAt ?? report.sentAt);
  const state = report.draining ? 'draining' : age > 3 * (report.intervalMs ?? 1_000) ? `silent ${(age / 1000).toFixed(0)}s` : replaced ? 'replaced' : 'up';
  return [
    id.padEnd(14),
    `[${report.tags.join(',')}]`.padEnd(22),
    state.padEnd(10),
    `cpu ${(report.cpu * 100).toFixed(0).padStart(3)}%`,
    `mem ${String(report.memoryMb).padStart(4)} MB`,
    `lag ${report.eventLoopLagMs.toFixed(1).padStart(5)} ms`,
    `in-flight ${String(report.inFlight).padStart(3)}`,
    `${calls.toFixed(0).padStart(6)} calls/s`,
    `${errors.toFixed(0).padStart(4)} err/s`,
    `${functions} fns/${versions} versions`,
  ].join('  ');
}

/** The cluster's sum over the shards that are up: what the operator watches first. */
export function totalsLine(reports: readonly LoadReport[], now: number): string {
  const live = reports.filter((r) => !r.draining && now - (r.receivedAt ?? r.sentAt) <= 3 * (r.intervalMs ?? 1_000));
  let calls = 0;
  let errors = 0;
  let inFlight = 0;
  for (const r of live) {
    const x = rates(r);
    calls += x.calls;
    errors += x.errors;
    inFlight += r.inFlight;
  }
  return `${'total'.padEnd(14)} ${live.length} of ${reports.length} shards up  in-flight ${String(inFlight).padStart(3)}  ${calls.toFixed(0).padStart(6)} calls/s  ${errors.toFixed(0).padStart(4)} err/s`;
}

const flags = '--shards 3 --nats URL [--config file] [--duration s]';

const usage = `usage: lucent cluster ${flags} [--prefix P] [--tags a,b] [--id-prefix P]
  --shards N     shard processes to start (1-64, default 3)
  --nats URL     NATS server (default nats://127.0.0.1:4222)
  --config FILE  shard config (default ${defaultConfig}, run from the repository root)
  --prefix P     the cluster's subject prefix (default lucent): registry P-registry, bundles P_bundles
  --tags a,b     placement tags handed out in rotation (default aave,arbitrage,whale)
  --duration S   stop after S seconds (default: until Ctrl-C)`;

export const clusterCommand: Command = {
  usage,
  async run(argv) {
    const parsed = parseCommandArgs('cluster', argv, {
      shards: { type: 'string', default: '3' },
      nats: { type: 'string', default: 'nats://127.0.0.1:4222' },
      config: { type: 'string', default: defaultConfig },
      prefix: { type: 'string', default: 'lucent' },
      tags: { type: 'string', default: 'aave,arbitrage,whale' },
      'id-prefix': { type: 'string', default: 'shard' },
      /** Stop by itself after this many seconds (scripts and tests); until Ctrl-C otherwise. */
      duration: { type: 'string' },
    }, usage);
    if (parsed === undefined) return 2;
    const { values } = parsed;
    const count = Number(values.shards);
    if (!Number.isInteger(count) || count < 1 || count > 64) {
      console.error('lucent cluster: --shards must be a whole number from 1 to 64');
      return 2;
    }
    if (!existsSync(values.config)) {
      console.error(`lucent cluster: no shard config at ${values.config}; pass --config file.json`);
      return 2;
    }
    const tags = values.tags.split(',').filter(Boolean);
    // The children run this same `lucent` entry (and Node flags, e.g. a TypeScript loader) as `lucent shard`.
    const entry = [...process.execArgv, process.argv[1] ?? ''];
    const children: Child[] = Array.from({ length: count }, (_, i) => {
      const id = `${values['id-prefix']}-${i + 1}`;
      const args = [...entry, 'shard', '--config', values.config, '--id', id, '--nats', values.nats, '--prefix', values.prefix, '--quiet'];
      if (tags.length > 0) args.push('--tags', tags[i % tags.length]!);
      const child: Child = { id, process: spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] }), exit: undefined, exitedAt: undefined, log: '' };
      const keep = (d: Buffer): void => {
        child.log = (child.log + d.toString()).slice(-2_000);
      };
      child.process.stdout?.on('data', keep);
      child.process.stderr?.on('data', keep);
      child.process.once('exit', (code, signal) => {
        child.exit = signal ?? String(code);
        child.exitedAt = Date.now();
      });
      return child;
    });

    const transport = new NatsTransport({ connection: await connectNats({ url: values.nats, name: 'lucent-cluster-status' }), subjectPrefix: values.prefix, ownsConnection: true });
    const reports = new Map<string, LoadReport>();
    // Every shard of the prefix, not only the children: a replacement started elsewhere shows up too.
    transport.onLoad((r) => reports.set(r.shardId, { ...r, receivedAt: Date.now() }));

    const tty = process.stdout.isTTY === true;
    let drawn = 0;
    const draw = (): void => {
      const now = Date.now();
      const others = [...reports.keys()].filter((id) => !children.some((c) => c.id === id)).sort();
      const lines = [
        ...children.map((c) => statusLine(c.id, reports.get(c.id), now, c.exit, c.exitedAt)),
        ...others.map((id) => statusLine(id, reports.get(id), now, undefined)),
        totalsLine([...reports.values()], now),
      ];
      if (tty && drawn > 0) process.stdout.write(`\x1b[${drawn}A`);
      process.stdout.write(lines.map((l) => (tty ? `\x1b[2K${l}` : l)).join('\n') + '\n');
      if (!tty) process.stdout.write('\n');
      drawn = lines.length;
    };
    console.log(`lucent cluster: ${count} shards on ${values.nats}, subjects ${values.prefix}.*; Ctrl-C stops them all`);
    const ticker = setInterval(draw, 1_000);

    await new Promise<void>((done) => {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => done());
      if (values.duration !== undefined) setTimeout(done, Number(values.duration) * 1_000).unref();
    });
    clearInterval(ticker);
    draw();
    // Stop exactly the processes started here, by pid; a shard that ignores SIGTERM is killed after a grace period.
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exit !== undefined || c.process.pid === undefined) return resolve();
            const force = setTimeout(() => c.process.pid !== undefined && process.kill(c.process.pid, 'SIGKILL'), 5_000);
            c.process.once('exit', () => {
              clearTimeout(force);
              resolve();
            });
            process.kill(c.process.pid, 'SIGTERM');
          }),
      ),
    );
    await transport.close();
    const failed = children.filter((c) => c.exit !== undefined && c.exit !== '0' && c.exit !== 'SIGTERM');
    for (const c of failed) console.error(`lucent cluster: ${c.id} exited (${c.exit}):\n${c.log}`);
    console.log(`lucent cluster: stopped ${count} shards`);
    return failed.length === 0 ? 0 : 1;
  },
};
