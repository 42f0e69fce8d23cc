// In-memory registry store: the embedded default and the twin of the JetStream KV store (same contract suite).
import { checkRulesChange, LucentError, RegistryConflictError, type ChangeAudit, type FunctionRules, type RulesChangeRecord, type RulesEntry } from '@lucent/core';
import type { EventStore } from '../eventStore/eventStore.js';
import { MemoryEventStore } from '../eventStore/memoryEventStore.js';
import { RegistryAuditLog } from './registryAudit.js';
import type {
  RegistryChange,
  RegistryHistoryOptions,
  RegistryStore,
  RegistryWatch,
  RegistryWatchOptions,
} from './registryStore.js';

export interface MemoryRegistryStoreOptions {
  /** Where audit events go; a private in-memory event store when omitted. */
  readonly eventStore?: EventStore;
}

/** Values are kept as JSON text, so a caller mutating its object later changes nothing stored. */
interface Stored {
  readonly revision: number;
  readonly json: string;
}

export class MemoryRegistryStore implements RegistryStore {
  private readonly entries = new Map<string, Stored>();
  private readonly watchers = new Set<(change: RegistryChange) => void>();
  private readonly audit: RegistryAuditLog;
  private readonly ownsEvents: EventStore | undefined;
  /** One counter for the whole store, like a KV bucket's stream sequence. */
  private revision = 0;
  private closed = false;

  constructor(options: MemoryRegistryStoreOptions = {}) {
    this.ownsEvents = options.eventStore === undefined ? new MemoryEventStore() : undefined;
    this.audit = new RegistryAuditLog(options.eventStore ?? this.ownsEvents!);
  }

  private entryOf(name: string, s: Stored): RulesEntry {
    return { name, revision: s.revision, rules: JSON.parse(s.json) as FunctionRules };
  }

  get(name: string): Promise<RulesEntry | undefined> {
    const s = this.entries.get(name);
    return Promise.resolve(s === undefined ? undefined : this.entryOf(name, s));
  }

  list(): Promise<RulesEntry[]> {
    return Promise.resolve([...this.entries].map(([n, s]) => this.entryOf(n, s)).sort((a, b) => a.name.localeCompare(b.name)));
  }

  async compareAndSet(name: string, expectedRevision: number, rules: FunctionRules, audit: ChangeAudit): Promise<RulesEntry> {
    if (this.closed) throw new LucentError('UNAVAILABLE', 'The registry store is closed');
    const current = this.entries.get(name);
    const actual = current?.revision ?? 0;
    if (actual !== expectedRevision) throw new RegistryConflictError(name, expectedRevision, actual);
    const previous = current === undefined ? null : (JSON.parse(current.json) as FunctionRules);
    const json = JSON.stringify(rules);
    const next = JSON.parse(json) as FunctionRules;
    checkRulesChange(name, previous, next, audit);
    // Check and write happen in one synchronous step, so two writers at the same revision cannot both win.
    const stored: Stored = { revision: ++this.revision, json };
    this.entries.set(name, stored);
    const entry = this.entryOf(name, stored);
    for (const notify of this.watchers) notify({ ...entry, initial: false });
    await this.audit.record(name, stored.revision, previous, next, audit);
    return entry;
  }

  watch(options: RegistryWatchOptions): RegistryWatch {
    const after = options.afterRevision ?? 0;
    let last = after;
    let live = false;
    const backlog: RegistryChange[] = [];
    const deliver = (change: RegistryChange): void => {
      if (change.revision <= last) return;
      last = change.revision;
      try {
        options.onChange(change);
      } catch (error) {
        options.onError?.(error);
      }
    };
    const listener = (change: RegistryChange): void => {
      if (live) deliver(change);
      else backlog.push(change);
    };
    this.watchers.add(listener);
    // The snapshot is delivered on a later tick, as a remote store would, so callers never depend on it being synchronous.
    const ready = Promise.resolve().then(() => {
      const snapshot = [...this.entries]
        .filter(([, s]) => s.revision > after)
        .sort(([, a], [, b]) => a.revision - b.revision)
        .map(([n, s]) => ({ ...this.entryOf(n, s), initial: true }));
      for (const change of snapshot) deliver(change);
      live = true;
      for (const change of backlog.splice(0)) deliver(change);
    });
    return {
      ready,
      get revision() {
        return last;
      },
      stop: () => {
        this.watchers.delete(listener);
        return Promise.resolve();
      },
    };
  }

  history(name: string, options?: RegistryHistoryOptions): Promise<RulesChangeRecord[]> {
    return this.audit.history(name, options);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watchers.clear();
    await this.ownsEvents?.close();
  }
}
