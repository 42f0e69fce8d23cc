// The scale topology's network: a bridge on the host and one network namespace per host of the cluster, each on a veth pair; link faults cut or impair one host's pair.
import { execFileSync } from 'node:child_process';
import type { Ledger } from './ledger.js';

export const bridge = 'lcs-br0';
export const hostAddress = '10.77.0.1';
const prefixLength = 24;

/** One host of the cluster: its namespace, its address on the bridge, and the host-side end of its veth pair. */
export interface NetHost {
  readonly name: string;
  readonly namespace: string;
  readonly address: string;
  /** The veth end on the host (in the bridge): cutting or impairing it cuts or impairs this host. */
  readonly hostLink: string;
}

export const hosts = {
  nats1: netHost('nats1', 11),
  nats2: netHost('nats2', 12),
  nats3: netHost('nats3', 13),
  shard1: netHost('shard1', 21),
  shard2: netHost('shard2', 22),
  shard3: netHost('shard3', 23),
  gateway: netHost('gateway', 30),
} as const;

export type HostName = keyof typeof hosts;

function netHost(name: string, lastOctet: number): NetHost {
  return { name, namespace: `lcs-${name}`, address: `10.77.0.${lastOctet}`, hostLink: `lcs-${name}-h` };
}

function ip(args: readonly string[]): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`ip ${args.join(' ')} failed: ${stderr.trim() || String(error)}`);
  }
}

/** Names this topology would use that exist already (a previous run's leftovers, or someone else's). */
export function existingNames(): string[] {
  const namespaces = ip(['netns', 'list'])
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith('lcs-'));
  const links = ip(['-o', 'link', 'show'])
    .split('\n')
    .map((l) => (l.split(': ')[1] ?? '').split('@')[0] ?? '')
    .filter((n) => n.startsWith('lcs-'));
  return [...namespaces, ...links];
}

/** Bridge with the host's address, then each host's namespace joined to it by a veth pair. */
export function createNetwork(ledger: Ledger): void {
  ip(['link', 'add', bridge, 'type', 'bridge']);
  ledger.link(bridge);
  ip(['addr', 'add', `${hostAddress}/${prefixLength}`, 'dev', bridge]);
  ip(['link', 'set', bridge, 'up']);
  for (const host of Object.values(hosts)) {
    ip(['netns', 'add', host.namespace]);
    ledger.namespace(host.namespace);
    const inside = `lcs-${host.name}-n`;
    ip(['link', 'add', host.hostLink, 'type', 'veth', 'peer', 'name', inside]);
    ledger.link(host.hostLink);
    ip(['link', 'set', inside, 'netns', host.namespace]);
    ip(['link', 'set', host.hostLink, 'master', bridge]);
    ip(['link', 'set', host.hostLink, 'up']);
    const inNs = (args: readonly string[]): string => ip(['-n', host.namespace, ...args]);
    inNs(['link', 'set', 'lo', 'up']);
    inNs(['addr', 'add', `${host.address}/${prefixLength}`, 'dev', inside]);
    inNs(['link', 'set', inside, 'up']);
  }
}

/** Cut a host off (its link down: nothing in or out) or join it again. */
export function setLink(host: NetHost, up: boolean): void {
  ip(['link', 'set', host.hostLink, up ? 'up' : 'down']);
}

/**
 * Whether this kernel has netem (`tc qdisc … netem`); some (minimal VM kernels) are built without it.
 * Probed on the bridge itself, then removed.
 */
export function netemAvailable(): boolean {
  try {
    execFileSync('tc', ['qdisc', 'add', 'dev', bridge, 'root', 'netem', 'delay', '1ms'], { stdio: ['ignore', 'ignore', 'pipe'] });
    execFileSync('tc', ['qdisc', 'del', 'dev', bridge, 'root'], { stdio: ['ignore', 'ignore', 'pipe'] });
    return true;
  } catch {
    return false;
  }
}

/**
 * Delay and loss on one host's link with netem, both ways: on the host-side end (traffic to the host)
 * and on the namespace end (traffic from it), so a round trip pays the delay twice as a real path would.
 */
export function impairLink(host: NetHost, delayMs: number, lossPercent: number): void {
  const args = ['root', 'netem', 'delay', `${delayMs / 2}ms`, 'loss', `${lossPercent / 2}%`];
  execFileSync('tc', ['qdisc', 'add', 'dev', host.hostLink, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  execFileSync('ip', ['netns', 'exec', host.namespace, 'tc', 'qdisc', 'add', 'dev', `lcs-${host.name}-n`, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function clearLink(host: NetHost): void {
  for (const args of [
    ['tc', 'qdisc', 'del', 'dev', host.hostLink, 'root'],
    ['ip', 'netns', 'exec', host.namespace, 'tc', 'qdisc', 'del', 'dev', `lcs-${host.name}-n`, 'root'],
  ]) {
    try {
      execFileSync(args[0]!, args.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch {
      // No qdisc left to remove.
    }
  }
}
