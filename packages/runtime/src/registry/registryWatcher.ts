// Keeps one node's FunctionManager in step with the registry store: applies every change, in order, as it arrives.
import type { RulesEntry } from '@lucent/core';
import type { FunctionManager } from '../functionManager/functionManager.js';
import type { Logger } from '@lucent/core';
import { silentLogger } from '@lucent/core';
import type { RegistryChange, RegistryStore, RegistryWatch } from './registryStore.js';

export interface RegistryWatcherOptions {
  readonly store: RegistryStore;
  readonly manager: FunctionManager;
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
    const known = this.options.manager.applyRules(change.name, change.rules);
    if (!known) this.logger.debug('rules for a function this node does not run', { function: change.name });
    this.appliedRevision = change.revision;
    this.applied.set(change.name, change);
    this.options.onApplied?.(change);
    if (this.waiters.length > 0) {
      const due = this.waiters.filter((w) => w.revision <= change.revision);
      this.waiters = this.waiters.filter((w) => w.revision > change.revision);
      for (const w of due) w.resolve();
    }
  }

  /** Highest store revision applied to the manager. */
  get revision(): number {
    return this.appliedRevision;
  }

  /** The rules entry this node applies for a function, with its revision. */
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
