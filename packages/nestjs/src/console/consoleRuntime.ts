// What the console's controllers share: its options, the cluster view, the live hub and the SPA's files, built once per module.
import { LucentError } from '@lucent/core';
import type { CallContext } from '../callContext/callContext.js';
import { ClusterView } from './clusterView.js';
import { ConsoleFiles } from './consoleFiles.js';
import { LiveHub } from './consoleLive.js';
import type { ConsoleStore, LucentConsoleOptions } from './consoleOptions.js';

export interface SessionAnswer {
  readonly auth: 'on' | 'off';
  readonly subject: string | null;
  readonly roles: readonly string[];
  /** May change the registry: auth on, the admin API mounted and the admin role held. */
  readonly admin: boolean;
}

export interface StoreStatus {
  readonly name: ConsoleStore['name'];
  readonly status: 'up' | 'down' | 'absent';
  readonly detail?: string;
}

const probeTimeoutMs = 1_000;

/** Up, down (with the reason) or absent; a probe that takes over a second is down. */
export async function probeStore(store: ConsoleStore): Promise<StoreStatus> {
  if (store.probe === undefined) return { name: store.name, status: 'absent', ...(store.detail === undefined ? {} : { detail: store.detail }) };
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(store.probe),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${probeTimeoutMs} ms`)), probeTimeoutMs))),
    ]);
    return { name: store.name, status: 'up', ...(store.detail === undefined ? {} : { detail: store.detail }) };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { name: store.name, status: 'down', detail: store.detail === undefined ? why : `${store.detail}: ${why}` };
  } finally {
    clearTimeout(timer);
  }
}

export class ConsoleRuntime {
  readonly startedAt = new Date();
  readonly cluster: ClusterView;
  readonly live: LiveHub;
  readonly files: ConsoleFiles;

  constructor(readonly options: LucentConsoleOptions) {
    this.cluster = new ClusterView({
      ...(options.self === undefined ? {} : { self: options.self }),
      ...(options.cluster === undefined ? {} : { cluster: options.cluster }),
      ...(options.functions === undefined ? {} : { functions: options.functions }),
      ...(options.calls === undefined ? {} : { calls: options.calls }),
    });
    this.live = new LiveHub({
      snapshot: () => this.cluster.snapshot(),
      ...(options.calls === undefined ? {} : { calls: options.calls }),
      ...(options.registry === undefined ? {} : { registry: options.registry }),
      ...(options.live === undefined ? {} : { options: options.live }),
    });
    this.files = new ConsoleFiles(options.staticDir);
  }

  /**
   * The reader behind a request LucentRouteGuard has resolved. With auth on, a token is required
   * even when the service lets anonymous callers run functions: the console shows every user's calls.
   */
  reader(call: CallContext | undefined): CallContext {
    if (call === undefined) throw new LucentError('UNAUTHORIZED', 'No call context on the request', { reason: 'missing-token' });
    if (call.authenticates && call.caller === undefined) {
      throw new LucentError('UNAUTHORIZED', 'A bearer token is required to read the console', { reason: 'missing-token' });
    }
    return call;
  }

  session(call: CallContext): SessionAnswer {
    if (!call.authenticates) return { auth: 'off', subject: null, roles: [], admin: false };
    const roles = call.caller?.roles ?? [];
    const admin = this.options.adminApi;
    return {
      auth: 'on',
      subject: call.caller?.userId ?? null,
      roles,
      admin: admin !== undefined && admin !== false && roles.includes(admin.adminRole ?? 'admin'),
    };
  }

  async close(): Promise<void> {
    await this.live.close();
    this.cluster.close();
  }
}
