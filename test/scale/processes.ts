// Processes of the scale topology: started (in a host's namespace or on the host) with their output in a log file, recorded in the ledger, waited for by what they print.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Ledger } from './ledger.js';
import type { NetHost } from './network.js';

export interface Started {
  readonly role: string;
  readonly pid: number;
  readonly log: string;
  /** Resolves with the exit code or signal once the process ends. */
  readonly exited: Promise<string>;
}

export interface StartOptions {
  readonly role: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Run inside this host's namespace (`ip netns exec` execs the command: the pid is the command's own). */
  readonly host?: NetHost;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly uid?: number;
  readonly gid?: number;
  readonly logDir: string;
}

/**
 * Start a process whose stdout and stderr go to `<logDir>/<role>.log` (appended across restarts), so it
 * outlives this script with `--keep` and leaves its story on disk when something fails.
 */
export function startProcess(ledger: Ledger, options: StartOptions): Started {
  const log = path.join(options.logDir, `${options.role}.log`);
  const fd = openSync(log, 'a');
  const [command, args] =
    options.host === undefined ? [options.command, options.args] : ['ip', ['netns', 'exec', options.host.namespace, options.command, ...options.args]];
  const child = spawn(command, args, {
    stdio: ['ignore', fd, fd],
    env: options.env ?? process.env,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`${options.role}: ${command} did not start`);
  ledger.process(child.pid, options.role);
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(String(code ?? signal))));
  // With `--keep` this script ends while the topology runs on.
  child.unref();
  return { role: options.role, pid: child.pid, log, exited };
}

/** The log's text (empty before the first line). */
export function logOf(started: { readonly log: string }): string {
  return existsSync(started.log) ? readFileSync(started.log, 'utf8') : '';
}

/** Resolves once the log holds `text` after `fromOffset`; fails with the log's tail when the process exits or time runs out. */
export async function waitForLog(started: Started, text: string, timeoutMs: number, fromOffset = 0): Promise<void> {
  let exit: string | undefined;
  void started.exited.then((e) => (exit = e));
  const until = Date.now() + timeoutMs;
  for (;;) {
    const out = logOf(started);
    if (out.indexOf(text, fromOffset) >= 0) return;
    if (exit !== undefined || Date.now() > until) {
      const why = exit === undefined ? `did not print ${JSON.stringify(text)} within ${timeoutMs} ms` : `exited (${exit}) before printing ${JSON.stringify(text)}`;
      throw new Error(`${started.role} ${why}; last lines of ${started.log}:\n${out.slice(-2_000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** SIGKILL one process we started, and wait until it is gone. */
export async function killProcess(ledger: Ledger, started: Started): Promise<void> {
  if (!ledger.owns(started.pid)) return;
  process.kill(started.pid, 'SIGKILL');
  await started.exited;
}
