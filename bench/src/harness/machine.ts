// What the numbers were measured on: cores, CPU, memory, Node, OS, load, and the servers' versions.
import os from 'node:os';
import type { ServerKind, ServerStatus } from './servers.js';

export interface MachineNotes {
  readonly date: string;
  readonly cores: number;
  readonly cpu: string;
  readonly memoryGb: number;
  readonly node: string;
  readonly os: string;
  /** 1-minute load average when the run started: above the core count means others were busy too. */
  readonly loadAtStart: number;
  readonly servers: Record<ServerKind, ServerStatus>;
}

export function machineNotes(servers: Record<ServerKind, ServerStatus>): MachineNotes {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    cores: cpus.length,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAtStart: os.loadavg()[0] ?? Number.NaN,
    servers,
  };
}
