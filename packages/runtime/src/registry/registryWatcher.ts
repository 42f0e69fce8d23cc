// Follows the registry store and emits every change of rules, in revision order, as it arrives: a rules view for callers, rules applied for hosts.
import { silentLogger, type FunctionRules, type Logger, type RulesEntry } from '@lucent/core';
import type { RegistryChange, RegistryStore, RegistryWatch } from './registryStore.js';

/** What takes a function's rules (or undefined: removed); a FunctionManager fits. Returns false when it does not host the function. */
export interface RulesTarget {
  applyRules(name: string, rules: FunctionRules | undefined): boolean;
}

export interface RegistryWatcherOptions {
  readonly store: RegistryStore;
  /** A host whose functions follow the rules (a FunctionManager). Without one the watcher is a rules view only. */
  readonly manager?: RulesTarget;
  /** Told of each function's new rules, in revision order, after `manager` applied them. Must not throw. */
  readonly onRules?: (name: string, rules: FunctionRules | undefined, revision: number) => void;
  readonly logger?: Logger;
  /** Called after each change is applied (hot loading, metrics, tests). Must not throw. */
  readonly onApplied?: (change: RegistryChange) => void;
  /** Delay before re-opening a watch that failed (default 500 ms). */
  readonly retryDelayMs?: number;
}

interface Waiter {
  readonly revision: number;
  readonly resolve: () => void;
}

export class RegistryWatcher {
  private watch: RegistryWatch | undefined;
  private appliedRevision = 0;
  private readonly applied = new Map<string, RulesEntry>();
  private waiters: Waiter[] = [];
  private stopped = false;
  private readonly logger: Logger;

  constructor(private readonly options: RegistryWatcherOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  /** Start watching; resolves once the current rules are applied, so a node serves only after that. */
  async start(): Promise<void> {
    this.stopped = false;
    this.open();
    await this.watch!.ready;
  }

  private open(): void {
    // After a failure the watch resumes after the last applied revision, so nothing is applied twice or skipped.
    this.watch = this.options.store.watch({
      afterRevision: this.appliedRevision,
      onChange: (change) => this.apply(change),
      onError: (error) => this.failed(error),
    });
  }

  private failed(error: unknown): void {
    this.logger.warn('registry watch failed; resuming', { error: String(error), revision: this.appliedRevision });
    if (this.stopped) return;
    const old = this.watch;
    setTimeout(() => {
      if (this.stopped || this.watch !== old) return;
      void old?.stop();
      this.open();
    }, this.options.retryDelayMs ?? 500).unref?.();
  }

  private apply(change: RegistryChange): void {
    if (change.revision <= this.appliedRevision) return;
    const manager = this.options.manager;
    if (manager !== undefined && !manager.applyRules(change.name, change.rules)) {
      this.logger.debug('rules for a function this node does not run', { function: change.name });
    }
    this.options.onRules?.(change.name, change.rules, change.revision);
    this.appliedRevision = change.revision;
    this.applied.set(change.name, change);
    this.options.onApplied?.(change);
    if (this.waiters.length > 0) {
      const due = this.waiters.filter((w) => w.revision <= change.revision);
      this.waiters = this.waiters.filter((w) => w.revision > change.revision);
      for (const w of due) w.resolve();
    }
  }

  /** Highest store revision applied (to the manager, when there is one). */
  get revision(): number {
    return this.appliedRevision;
  }

  /** The rules entry this node applies for a function, with its revision: the rules view. */
  appliedEntry(name: string): RulesEntry | undefined {
    return this.applied.get(name);
  }

  /** Resolves once a change at or above `revision` is applied. */
  waitForRevision(revision: number, timeoutMs = 10_000): Promise<void> {
    if (this.appliedRevision >= revision) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`revision ${revision} not applied within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ revision, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.watch?.stop();
  }
}
