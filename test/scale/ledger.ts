// What the scale topology created (namespaces, links, processes, its temp dir), written down as it goes so any exit — or `--down` from another shell — removes exactly that.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Every name this script gives a namespace or link starts so; nothing else is ever deleted. */
export const namePrefix = 'lcs-';

/** Where the ledger of a running (or crashed) topology lives: one topology per machine at a time. */
export const ledgerPath = path.join(tmpdir(), 'lucent-scale.ledger.json');

export interface LedgerProcess {
  readonly pid: number;
  readonly role: string;
  /** The kernel's start time of the process (field 22 of /proc/<pid>/stat): a reused pid is never taken for ours. */
  readonly startTicks: string;
}

export interface LedgerData {
  /** The run that made the topology, while it runs (a kept topology outlives it). */
  owner?: LedgerProcess;
  dir?: string;
  /** Other temp dirs made for the topology (the Redis kit's). */
  dirs?: string[];
  namespaces: string[];
  links: string[];
  processes: LedgerProcess[];
}

const run = (cmd: string, args: readonly string[]): void => {
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
};

/** Start time of `pid` in clock ticks since boot, or undefined when no such process runs. */
export function startTicksOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export class Ledger {
  private readonly stops: (() => Promise<void>)[] = [];

  private constructor(private readonly data: LedgerData) {}

  static fresh(): Ledger {
    const ownTicks = startTicksOf(process.pid);
    const ledger = new Ledger({ namespaces: [], links: [], processes: [], ...(ownTicks === undefined ? {} : { owner: { pid: process.pid, role: 'test:scale', startTicks: ownTicks } }) });
    ledger.save();
    return ledger;
  }

  /** The pid of the run that made this topology when that run is still going (another run must not tear it down). */
  get runningOwner(): number | undefined {
    const owner = this.data.owner;
    return owner !== undefined && owner.pid !== process.pid && startTicksOf(owner.pid) === owner.startTicks ? owner.pid : undefined;
  }

  /** The ledger a previous run left (kept with `--keep`, or a run killed before it could clean up). */
  static left(): Ledger | undefined {
    if (!existsSync(ledgerPath)) return undefined;
    return new Ledger(JSON.parse(readFileSync(ledgerPath, 'utf8')) as LedgerData);
  }

  get dir(): string | undefined {
    return this.data.dir;
  }

  setDir(dir: string): void {
    this.data.dir = dir;
    this.save();
  }

  otherDir(dir: string): void {
    if (!dir.startsWith(tmpdir())) throw new Error(`scale topology: ${dir} is not a temp dir; only those are removed`);
    (this.data.dirs ??= []).push(dir);
    this.save();
  }

  /** Run before the ledger's own teardown, in this process only (a part that knows how to stop itself cleanly). */
  beforeTeardown(stop: () => Promise<void>): void {
    this.stops.push(stop);
  }

  namespace(name: string): void {
    this.data.namespaces.push(checked(name));
    this.save();
  }

  link(name: string): void {
    this.data.links.push(checked(name));
    this.save();
  }

  process(pid: number, role: string): void {
    const startTicks = startTicksOf(pid);
    if (startTicks === undefined) return;
    this.data.processes.push({ pid, role, startTicks });
    this.save();
  }

  /** Whether `pid` is one of ours and still the same process. */
  owns(pid: number): boolean {
    return this.data.processes.some((p) => p.pid === pid && startTicksOf(pid) === p.startTicks);
  }

  /**
   * Kill every process still running (SIGKILL: a topology is thrown away, nothing in it is kept),
   * then delete the links and namespaces, then the temp dir; each step goes on when one fails.
   */
  async teardown(log: (line: string) => void): Promise<void> {
    for (const stop of this.stops.splice(0)) await stop().catch(() => undefined);
    const alive = this.data.processes.filter((p) => startTicksOf(p.pid) === p.startTicks);
    for (const p of alive) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // Gone between the check and the kill.
      }
    }
    const until = Date.now() + 5_000;
    while (alive.some((p) => startTicksOf(p.pid) === p.startTicks) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    if (alive.length > 0) log(`  killed ${alive.length} processes (${alive.map((p) => `${p.role} ${p.pid}`).join(', ')})`);
    for (const link of [...this.data.links].reverse()) {
      try {
        // A veth pair goes with either end; its namespace end may already be gone with the namespace.
        run('ip', ['link', 'del', link]);
      } catch {
        // Already gone.
      }
    }
    for (const ns of [...this.data.namespaces].reverse()) {
      try {
        run('ip', ['netns', 'del', ns]);
      } catch {
        // Already gone.
      }
    }
    if (this.data.links.length + this.data.namespaces.length > 0) log(`  deleted ${this.data.namespaces.length} namespaces and ${this.data.links.length} links`);
    for (const dir of [...(this.data.dirs ?? []), ...(this.data.dir === undefined ? [] : [this.data.dir])]) rmSync(dir, { recursive: true, force: true });
    rmSync(ledgerPath, { force: true });
  }

  private save(): void {
    writeFileSync(ledgerPath, JSON.stringify(this.data, null, 2));
  }
}

function checked(name: string): string {
  if (!name.startsWith(namePrefix)) throw new Error(`scale topology: ${name} does not start with ${namePrefix}; only such names are created and deleted`);
  return name;
}
