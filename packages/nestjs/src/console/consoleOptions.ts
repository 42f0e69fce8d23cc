// What LucentConsoleModule.forRoot is given: the service, where cluster, functions, calls and stores are read, and where the SPA is.
import type { RegistryStore, FunctionInfo } from '@lucent/runtime';
import type { ShadowReportAnswer } from '../admin/registryAdminController.js';
import type { CallLog } from './callLog.js';
import type { ClusterSource, ConsoleSelf } from './clusterView.js';
import type { ConsoleHistorySources } from './history/index.js';

export type ConsoleStoreName = 'eventStore' | 'projections' | 'nats' | 'registry';

/** A store GET /console/api/overview reports on: `probe` resolving is up, rejecting (or taking over a second) is down; without a probe it is absent. */
export interface ConsoleStore {
  readonly name: ConsoleStoreName;
  readonly probe?: () => Promise<unknown> | unknown;
  /** What it is, e.g. "PostgreSQL (schema lucent)". */
  readonly detail?: string;
}

/** One row of GET /console/api/bundles: a function version a bundle brought, or a bundle a node refused and why. */
export interface ConsoleBundle {
  readonly name: string;
  readonly version: string | null;
  readonly status: 'loaded' | 'rejected' | 'failed';
  readonly reason: string | null;
  /** The bundle's id in its store. */
  readonly bundle: string;
  /** The node (shard) that handled it. */
  readonly node: string;
}

export interface ConsoleLiveOptions {
  /** Period of `event: cluster` (default 2,000 ms). */
  readonly clusterIntervalMs?: number;
  /** Period of the `: ping` comment that keeps proxies from closing an idle stream (default 15,000 ms). */
  readonly pingIntervalMs?: number;
  /** Streams open at once; one more is refused with 503 UNAVAILABLE (default 32). */
  readonly maxStreams?: number;
  /** `event: call` sent per stream per second at most; the rest are left to GET /console/api/calls (default 50). */
  readonly maxCallEventsPerSec?: number;
}

export interface LucentConsoleOptions {
  readonly service: { readonly name: string; readonly version: string; readonly mode: string };
  /** The functions this process reaches (an Invoker's `list`). */
  readonly functions?: () => readonly FunctionInfo[];
  /** The registry operators steer: rules in GET /functions, `event: registry` on each change. */
  readonly registry?: RegistryStore;
  /** The calls this process made or routed (wrap the service's Invoker with `recordCalls`). */
  readonly calls?: CallLog;
  /** The shards' load reports and breakers (a ClusterClient). */
  readonly cluster?: ClusterSource;
  /** This process's own entry: the only shard of an embedded service, or the gateway. */
  readonly self?: ConsoleSelf;
  readonly stores?: readonly ConsoleStore[];
  /** Bundles and refusals, when the topology runs a bundle deployer; GET /bundles answers 404 without it. */
  readonly bundles?: () => readonly ConsoleBundle[] | Promise<readonly ConsoleBundle[]>;
  /** Read-only mirror of the admin shadow report for every signed-in reader. */
  readonly shadowReports?: (name: string) => Promise<ShadowReportAnswer>;
  /** Share of calls the shadow runner compares, percent (default 100). */
  readonly shadowPercent?: number;
  /**
   * Whether the admin API (/admin/registry) is mounted beside the console, and the role it requires:
   * a session is `admin` only then. Default: not mounted, so the console is read-only.
   */
  readonly adminApi?: false | { readonly adminRole?: string };
  /** The built SPA; by default `@lucent/console`'s dist folder. */
  readonly staticDir?: string;
  readonly live?: ConsoleLiveOptions;
  /** Sagas, schedules, events, projections and replay (GET /console/api/sagas…): mounted when given. */
  readonly history?: ConsoleHistorySources;
}

/** Injection token of the console's runtime (options, views, live streams, files). */
export const CONSOLE_RUNTIME = Symbol.for('lucent.console.Runtime');
