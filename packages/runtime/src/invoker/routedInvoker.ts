// RoutedInvoker: runs a call in this process when it hosts the selected version and placement allows it here, else on a shard.
import {
  FunctionNotFoundError,
  coversFunction,
  defaultRoutingTuning,
  eligibleShards,
  routingFactsOf,
  type AnyFunctionDefinition,
  type FunctionMap,
  type FunctionRules,
  type InvocationResult,
  type LoadReport,
  type RoutingRule,
  type RoutingTuning,
  type TypedInvoke,
} from '@lucent/core';
import { routingCallFor } from '../cluster/callRouting.js';
import type { FunctionManager } from '../functionManager/functionManager.js';
import type { FunctionInfo, InvokeOptions, Invoker } from './invoker.js';

export interface RoutedInvokerOptions {
  /** The functions this process hosts (following the registry, so its rules are the registry's). */
  readonly local: FunctionManager;
  /** Where everything else goes: a ClusterClient, or any Invoker. */
  readonly remote: Invoker;
  /** This process's id as placement sees it (a registry placement may pin shard ids). Default 'local'. */
  readonly id?: string;
  /** This process's placement tags: a call whose placement requires a tag this process lacks goes remote. */
  readonly tags?: readonly string[];
  /** The caller's static routing rules (the ClusterClient's), tested here as a shard would be. */
  readonly rules?: readonly RoutingRule[];
  /** Where the registry's rules are read; the local manager's own (applied by its watcher) when absent. */
  readonly registry?: { rulesOf(name: string): FunctionRules | undefined };
  /** Tuning for the placement check (its `affinity: 'require'` keeps a function off untagged processes). */
  readonly tuning?: Partial<RoutingTuning>;
  /**
   * The functions this process may run itself (names, or prefixes ending in '.*'); every hosted one
   * when absent. A gateway that should only route passes `[]`: everything goes to the shards.
   */
  readonly runHere?: readonly string[];
}

/** The Invoker a gateway uses: local execution where placement allows, the cluster for the rest. */
export class RoutedInvoker implements Invoker {
  private readonly local: FunctionManager;
  private readonly remote: Invoker;
  private readonly id: string;
  private readonly tags: readonly string[];
  private readonly rules: readonly RoutingRule[];
  private readonly registry: { rulesOf(name: string): FunctionRules | undefined };
  private readonly tuning: RoutingTuning;
  private readonly self = new Map<string, ReadonlyMap<string, LoadReport>>();
  private readonly runHere: RoutingRule | undefined;

  constructor(options: RoutedInvokerOptions) {
    this.local = options.local;
    this.remote = options.remote;
    this.id = options.id ?? 'local';
    this.tags = options.tags ?? [];
    this.rules = options.rules ?? [];
    this.registry = options.registry ?? options.local;
    this.tuning = { ...defaultRoutingTuning, ...options.tuning };
    this.runHere = options.runHere === undefined ? undefined : { name: 'run-here', functions: options.runHere };
  }

  invoke(name: string, input: unknown, options?: InvokeOptions): Promise<InvocationResult<unknown>> {
    try {
      return this.runsHere(name, input, options) ? this.local.invoke(name, input, options) : this.remote.invoke(name, input, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  typed<R extends FunctionMap>(): TypedInvoke<R, InvokeOptions> {
    return this.invoke.bind(this) as TypedInvoke<R, InvokeOptions>;
  }

  /** Local functions and the cluster's, one entry per name (versions merged, the local active version first). */
  list(): readonly FunctionInfo[] {
    const merged = new Map<string, FunctionInfo>();
    for (const f of this.remote.list()) merged.set(f.name, f);
    for (const f of this.local.list()) {
      const other = merged.get(f.name);
      merged.set(
        f.name,
        other === undefined
          ? f
          : { ...f, versions: [...new Set([...f.versions, ...other.versions])], enabled: f.enabled || other.enabled },
      );
    }
    return [...merged.values()];
  }

  lookup(name: string, version?: string): AnyFunctionDefinition {
    if (this.local.hosts(name, version)) return this.local.lookup(name, version);
    try {
      return this.remote.lookup(name, version);
    } catch {
      throw new FunctionNotFoundError(name, version);
    }
  }

  /**
   * Allowed here (`runHere`), hosted here at the version the rules select (or the pinned one), and placement would let a shard
   * with this process's id and tags take it: core's `eligibleShards` decides, with this process as
   * the only candidate. A call the rules refuse runs here too when hosted, so the refusal is local.
   */
  runsHere(name: string, input: unknown, options?: InvokeOptions): boolean {
    if (!this.local.has(name)) return false;
    if (this.runHere !== undefined && !coversFunction(this.runHere, name)) return false;
    const version = options?.version ?? this.local.versionFor(name, options?.business);
    if (version === undefined) return true;
    if (!this.local.hosts(name, version)) return false;
    const fn = this.local.lookup(name, version);
    const rules = this.registry.rulesOf(name);
    if (rules?.placement === undefined && this.rules.length === 0 && (fn.meta.shardAffinity === undefined || this.tuning.affinity !== 'require')) {
      return true;
    }
    const facts = routingFactsOf(fn, input, options?.facts);
    const call = routingCallFor(name, fn, version, { facts, priority: options?.priority }, rules);
    return 'eligible' in eligibleShards(call, [this.id], this.selfReport(name, version), this.rules, this.tuning);
  }

  /** This process as a one-shard table hosting `name@version`: placement then judges it as it would a shard. */
  private selfReport(name: string, version: string): ReadonlyMap<string, LoadReport> {
    const key = `${name}@${version}`;
    let table = this.self.get(key);
    if (table === undefined) {
      const report: LoadReport = {
        shardId: this.id,
        tags: this.tags,
        functions: { [name]: { versions: [version], enabled: true } },
        cpu: 0,
        memoryMb: 0,
        memoryFraction: 0,
        eventLoopLagMs: 0,
        inFlight: 0,
        sequence: 0,
        sentAt: 0,
        startedAt: 0,
      };
      this.self.set(key, (table = new Map([[this.id, report]])));
    }
    return table;
  }
}
