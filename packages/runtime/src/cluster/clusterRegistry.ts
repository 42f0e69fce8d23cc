// The caller's side of the registry in a cluster: version selection, kill switch, jurisdiction and placement, decided before shard routing.
import {
  FunctionDisabledError,
  JurisdictionDeniedError,
  selectVersion,
  silentLogger,
  type AnyFunctionDefinition,
  type BusinessMetadata,
  type CallFact,
  type FunctionRules,
  type Logger,
  type Priority,
  type RoutingCall,
  type RulesEntry,
} from '@lucent/core';
import type { RegistryStore } from '../registry/registryStore.js';
import { RegistryWatcher } from '../registry/registryWatcher.js';
import { isPlainCall, routingCallFor } from './callRouting.js';

/** Where the applied rules come from: a `RegistryWatcher` fits (a process that already runs one can share it). */
export interface RulesSource {
  appliedEntry(name: string): RulesEntry | undefined;
}

/** The parts of a call that selection and placement read. */
export interface SelectionOptions {
  /** A pinned version skips the weights, never the kill switch or the jurisdiction. */
  readonly version?: string;
  /** From the caller's authenticated claims (userId/accountId for stickiness, jurisdiction). */
  readonly business?: BusinessMetadata;
  readonly facts?: Readonly<Record<string, CallFact>>;
  readonly priority?: Priority;
}

/** What the rules decided for one call that may go ahead. */
export interface SelectedCall {
  readonly version: string;
  /** The call as the router sees it: the selected version and the rules' placement and priority. */
  readonly routing: RoutingCall;
  /**
   * Whether the caller's own definition can check the input: true when it is the selected version or
   * the registry shows both with the same input contract. Otherwise only the shard's check applies.
   */
  readonly checkInput: boolean;
}

/** Selections of plain calls (no facts, priority or pin), per version, valid while the rules object is the one they came from. */
interface CachedRules {
  readonly rules: FunctionRules;
  readonly byVersion: Map<string, SelectedCall>;
}

export interface ClusterRegistryOptions {
  readonly logger?: Logger;
  /** Delay before re-opening a failed watch (default 500 ms). */
  readonly retryDelayMs?: number;
}

export class ClusterRegistry {
  private readonly cache = new Map<string, CachedRules>();
  private readonly source: RulesSource;
  private readonly owned: RegistryWatcher | undefined;

  /**
   * Follow `source`. Pass a RegistryStore to get a private watcher (start it with `start()` before
   * the first call), or the RegistryWatcher the process already runs for its own FunctionManager.
   */
  constructor(source: RegistryStore | RulesSource, options: ClusterRegistryOptions = {}) {
    if ('appliedEntry' in source) {
      this.source = source;
      this.owned = undefined;
    } else {
      // The watcher brings revision order, resume-after-failure and waitForRevision; without a
      // manager it is a plain rules view, which is all a caller needs.
      this.owned = new RegistryWatcher({
        store: source,
        logger: options.logger ?? silentLogger,
        ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
      });
      this.source = this.owned;
    }
  }

  /** Resolves once the current rules are known; a caller should not send calls before. */
  async start(): Promise<void> {
    await this.owned?.start();
  }

  /** Highest registry revision this view has applied (0 when it shares a watcher it does not own). */
  get revision(): number {
    return this.owned?.revision ?? 0;
  }

  /** Resolves once this view has applied `revision` (tests, operators' tools waiting for a change to land). */
  waitForRevision(revision: number, timeoutMs?: number): Promise<void> {
    if (this.owned === undefined) return Promise.resolve();
    return this.owned.waitForRevision(revision, timeoutMs);
  }

  rulesOf(name: string): FunctionRules | undefined {
    return this.source.appliedEntry(name)?.rules;
  }

  /**
   * Decide one call: undefined when the function has no rules (the caller routes it as before);
   * throws FUNCTION_DISABLED or JURISDICTION_DENIED, before anything is sent, when the rules refuse it.
   */
  select(name: string, fn: AnyFunctionDefinition | undefined, options: SelectionOptions): SelectedCall | undefined {
    const rules = this.source.appliedEntry(name)?.rules;
    if (rules === undefined) return undefined;
    const selection = selectVersion(rules, options.business ?? {});
    if ('denied' in selection) {
      throw selection.denied === 'FUNCTION_DISABLED'
        ? new FunctionDisabledError(name)
        : new JurisdictionDeniedError(name, options.business?.jurisdiction);
    }
    // Shadow versions are left to the shards: the shard that ran the live call holds its input, output,
    // seed and clock reading already, and its ShadowRunner compares off the caller's path.
    const version = options.version ?? selection.version;
    if (!isPlainCall(options)) return this.build(rules, version, fn, options);
    let cached = this.cache.get(name);
    if (cached === undefined || cached.rules !== rules) this.cache.set(name, (cached = { rules, byVersion: new Map() }));
    let selected = cached.byVersion.get(version);
    if (selected === undefined) cached.byVersion.set(version, (selected = this.build(rules, version, fn, options)));
    return selected;
  }

  private build(rules: FunctionRules, version: string, fn: AnyFunctionDefinition | undefined, options: SelectionOptions): SelectedCall {
    const routing = routingCallFor(rules.name, fn, version, options, rules);
    const mine = fn === undefined ? undefined : rules.versions[fn.version]?.fingerprint.input;
    const theirs = rules.versions[version]?.fingerprint.input;
    const checkInput = fn !== undefined && (fn.version === version || (mine !== undefined && mine === theirs));
    return { version, routing, checkInput };
  }

  /** Stop the private watcher, if this view owns one. */
  async stop(): Promise<void> {
    await this.owned?.stop();
  }
}
