// The registry store port: per-function rules with compare-and-swap writes, a watch for every node, and an audit history.
import type { ChangeAudit, FunctionRules, RulesChangeRecord, RulesEntry } from '@lucent/core';

/** One observed value: the rules of a function at a revision. */
export interface RegistryChange extends RulesEntry {
  /** True while the initial snapshot is being delivered, false for live changes. */
  readonly initial: boolean;
}

export interface RegistryWatchOptions {
  /**
   * Exclusive: deliver only values with a revision above this one. Omit (or 0) for a full snapshot
   * of current values first; a restarted watcher passes the last revision it applied.
   */
  readonly afterRevision?: number;
  /** Called in revision order, the snapshot first, then each change; never concurrently. */
  readonly onChange: (change: RegistryChange) => void;
  /** The watch failed and is not coming back by itself. */
  readonly onError?: (error: unknown) => void;
}

export interface RegistryWatch {
  /** Resolves once the initial values have been delivered to onChange. */
  readonly ready: Promise<void>;
  /** Highest revision delivered so far. */
  readonly revision: number;
  stop(): Promise<void>;
}

export interface RegistryHistoryOptions {
  /** Most recent first when 'backwards' (default 'forwards', oldest first). */
  readonly direction?: 'forwards' | 'backwards';
  readonly maxCount?: number;
}

export interface RegistryStore {
  get(name: string): Promise<RulesEntry | undefined>;
  list(): Promise<RulesEntry[]>;
  /**
   * Write `rules` only if the function is still at `expectedRevision` (0: it must not exist yet).
   * Checks the change (well-formed, contract-safe unless audit.force) and records it as an audit
   * event. Rejects with REGISTRY_CONFLICT on a stale revision, CONTRACT_INCOMPATIBLE or
   * VALIDATION_FAILED on a refused change; nothing is written then.
   */
  compareAndSet(name: string, expectedRevision: number, rules: FunctionRules, audit: ChangeAudit): Promise<RulesEntry>;
  watch(options: RegistryWatchOptions): RegistryWatch;
  /** Recorded changes of one function (from the event store). */
  history(name: string, options?: RegistryHistoryOptions): Promise<RulesChangeRecord[]>;
  close(): Promise<void>;
}
