// Registry store on a NATS JetStream KV bucket: KV revisions give compare-and-swap, ordered watchers give every node the changes.
import { KvWatchInclude, type KV, type KvEntry, type NatsConnection } from 'nats';
import {
  checkRulesChange,
  LucentError,
  RegistryConflictError,
  ValidationError,
  type ChangeAudit,
  type FunctionRules,
  type RulesChangeRecord,
  type RulesEntry,
} from '@lucent/core';
import {
  MemoryEventStore,
  RegistryAuditLog,
  type EventStore,
  type RegistryChange,
  type RegistryHistoryOptions,
  type RegistryStore,
  type RegistryWatch,
  type RegistryWatchOptions,
} from '@lucent/runtime';
import { streamExists } from '../transport/streamNotFound.js';
import { checkForStall } from './watchStall.js';

export interface KvRegistryStoreOptions {
  readonly connection: NatsConnection;
  /** KV bucket name (default `lucent-registry`); every node of one system uses the same one. */
  readonly bucket?: string;
  /** Values kept per function in the bucket itself (default 64); the full audit lives in the event store. */
  readonly history?: number;
  readonly replicas?: number;
  /** Where audit events go; a private in-memory event store when omitted (then history is per process). */
  readonly eventStore?: EventStore;
  /** Delay before re-opening a watch whose consumer ended (default 250 ms). */
  readonly rewatchDelayMs?: number;
  /**
   * How often a watch checks it is not behind the bucket, and is re-opened when it is (default 1,000 ms;
   * 0 turns the check off). A watch whose consumer's server died otherwise waits for missed heartbeats.
   */
  readonly stallCheckMs?: number;
  /** Never create the bucket (read-only commands): open resolves undefined when it does not exist. */
  readonly bindOnly?: boolean;
}

const validKey = /^[-_=a-zA-Z0-9]+(\.[-_=a-zA-Z0-9]+)*$/;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

function keyOf(name: string): string {
  if (!validKey.test(name)) {
    throw new ValidationError('config', 'registry key', [
      { path: 'name', message: `${name} is not a valid registry key (letters, digits, - _ = and inner dots)` },
    ]);
  }
  return name;
}

/**
 * Each stored value carries, beside the rules, who made the change and why under this key, so the
 * change and its audit facts are written in one KV put. The event-store audit record follows; if
 * the writer dies between the two, `history` writes the missing record from the bucket's history.
 */
const changeKey = '$change';

interface StoredChange {
  readonly who: string;
  readonly why: string;
  readonly forced: boolean;
  readonly at: number;
}

function decodeValue(e: KvEntry): { readonly rules: FunctionRules; readonly change: StoredChange | undefined } {
  const { [changeKey]: change, ...rules } = JSON.parse(decoder.decode(e.value)) as FunctionRules & { [changeKey]?: StoredChange };
  return { rules, change };
}

const isWrongSequence = (error: unknown): boolean =>
  (error as { api_error?: { err_code?: number } } | null)?.api_error?.err_code === 10071;

export class KvRegistryStore implements RegistryStore {
  private readonly watches = new Set<RegistryWatch>();
  /** The last entry `get` read per key: a revision's value never changes, so a write expecting that revision needs no second read. */
  private readonly lastRead = new Map<string, RulesEntry>();

  private constructor(
    private readonly kv: KV,
    private readonly audit: RegistryAuditLog,
    private readonly ownedEvents: EventStore | undefined,
    private readonly rewatchDelayMs: number,
    /**
     * How a watch checks it is not behind (the bucket's stream asked over this connection every `periodMs`),
     * and the bucket as watches open it: with a short API timeout, so re-opening a watch while the cluster
     * elects a new leader tries again within a second instead of waiting out the default 5 s.
     */
    private readonly stall: { readonly periodMs: number; readonly connection: NatsConnection; readonly stream: string; readonly watchKv: KV },
  ) {}

  /** Open (creating when missing) the bucket. */
  static async open(options: KvRegistryStoreOptions & { readonly bindOnly?: false }): Promise<KvRegistryStore>;
  /** Open the bucket if it exists; undefined when it does not, and nothing is created. */
  static async open(options: KvRegistryStoreOptions & { readonly bindOnly: true }): Promise<KvRegistryStore | undefined>;
  static async open(options: KvRegistryStoreOptions): Promise<KvRegistryStore | undefined> {
    const bucket = options.bucket ?? 'lucent-registry';
    if (options.bindOnly === true && !(await streamExists(options.connection, `KV_${bucket}`))) return undefined;
    const js = options.connection.jetstream();
    const kv = await js.views.kv(bucket, {
      history: options.history ?? 64,
      ...(options.replicas === undefined ? {} : { replicas: options.replicas }),
    });
    const owned = options.eventStore === undefined ? new MemoryEventStore() : undefined;
    return new KvRegistryStore(kv, new RegistryAuditLog(options.eventStore ?? owned!), owned, options.rewatchDelayMs ?? 250, {
      periodMs: options.stallCheckMs ?? 1_000,
      connection: options.connection,
      stream: `KV_${bucket}`,
      watchKv: await options.connection.jetstream({ timeout: 1_000 }).views.kv(bucket, { bindOnly: true }),
    });
  }

  private static entryOf(e: KvEntry): RulesEntry {
    return { name: e.key, revision: e.revision, rules: decodeValue(e).rules };
  }

  async get(name: string): Promise<RulesEntry | undefined> {
    const e = await this.kv.get(keyOf(name));
    if (e === null || e.operation !== 'PUT') return undefined;
    const entry = KvRegistryStore.entryOf(e);
    this.lastRead.set(e.key, entry);
    return entry;
  }

  async list(): Promise<RulesEntry[]> {
    const names: string[] = [];
    for await (const k of await this.kv.keys()) names.push(k);
    const entries = await Promise.all(names.map((n) => this.get(n)));
    return entries.filter((e): e is RulesEntry => e !== undefined).sort((a, b) => a.name.localeCompare(b.name));
  }

  async compareAndSet(name: string, expectedRevision: number, rules: FunctionRules, audit: ChangeAudit): Promise<RulesEntry> {
    const key = keyOf(name);
    // An admin's edit reads the entry, then writes expecting its revision: that read is reused (one round trip
    // less before the put every node waits for). Had the key moved on since, the server refuses the update below.
    const seen = this.lastRead.get(key);
    const current = expectedRevision !== 0 && seen?.revision === expectedRevision ? seen : await this.get(key);
    const actual = current?.revision ?? 0;
    if (actual !== expectedRevision) throw new RegistryConflictError(name, expectedRevision, actual);
    const next = JSON.parse(JSON.stringify(rules)) as FunctionRules;
    checkRulesChange(name, current?.rules ?? null, next, audit);
    const change: StoredChange = { who: audit.who, why: audit.why, forced: audit.force === true, at: Date.now() };
    const value = encoder.encode(JSON.stringify({ ...next, [changeKey]: change }));
    let revision: number;
    try {
      // The server refuses the write unless the key is still at the revision we checked: that is the CAS.
      revision = expectedRevision === 0 ? await this.kv.create(key, value) : await this.kv.update(key, value, expectedRevision);
    } catch (error) {
      if (isWrongSequence(error)) {
        throw new RegistryConflictError(name, expectedRevision, (await this.get(key))?.revision ?? 0);
      }
      throw new LucentError('UNAVAILABLE', `Registry write of ${name} failed: ${String(error)}`, { name }, { cause: error });
    }
    await this.audit.record(name, revision, current?.rules ?? null, next, audit);
    return { name, revision, rules: next };
  }

  watch(options: RegistryWatchOptions): RegistryWatch {
    let last = options.afterRevision ?? 0;
    let stopped = false;
    let initial = true;
    let current: { stop(): void } | undefined;
    let markReady!: () => void;
    let failReady!: (error: unknown) => void;
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    // The failure also reaches onError: a caller that never awaits `ready` (a watcher re-opening after an
    // error) must not have the process ended by an unhandled rejection. Whoever awaits it still sees it.
    ready.catch(() => undefined);
    const deliver = (e: KvEntry): void => {
      if (e.revision <= last) return;
      last = e.revision;
      if (e.operation !== 'PUT') return;
      try {
        options.onChange({ ...KvRegistryStore.entryOf(e), initial } satisfies RegistryChange);
      } catch (error) {
        options.onError?.(error);
      }
    };
    const run = async (): Promise<void> => {
      while (!stopped) {
        try {
          // A fresh watch wants the last value of each key; a resumed one wants every revision since.
          const iter = await this.stall.watchKv.watch(
            last === 0
              ? { include: KvWatchInclude.LastValue, initializedFn: () => ((initial = false), markReady()) }
              : { resumeFromRevision: last + 1, initializedFn: () => ((initial = false), markReady()) },
          );
          current = iter;
          if (stopped) iter.stop();
          const { periodMs, connection, stream } = this.stall;
          const stall = periodMs > 0 ? checkForStall(connection, stream, () => last, periodMs, () => iter.stop()) : undefined;
          try {
            for await (const e of iter) deliver(e);
          } finally {
            stall?.stop();
          }
        } catch (error) {
          if (initial) failReady(error);
          options.onError?.(error);
          if (initial) return;
        }
        // The consumer ended (server restart, connection drop): come back from the last revision seen.
        if (!stopped) await new Promise((r) => setTimeout(r, this.rewatchDelayMs));
      }
    };
    void run();
    const handle: RegistryWatch = {
      ready,
      get revision() {
        return last;
      },
      stop: () => {
        stopped = true;
        current?.stop();
        this.watches.delete(handle);
        return Promise.resolve();
      },
    };
    this.watches.add(handle);
    return handle;
  }

  async history(name: string, options?: RegistryHistoryOptions): Promise<RulesChangeRecord[]> {
    const records = await this.completeHistory(keyOf(name));
    const ordered = options?.direction === 'backwards' ? records.reverse() : records;
    return options?.maxCount === undefined ? ordered : ordered.slice(0, options.maxCount);
  }

  /**
   * Every audit record of a function, in revision order, after writing the record of each change
   * still in the bucket's history that has none (its writer died after the KV put). Idempotent:
   * records are keyed by revision. `old` is the value before it in the bucket, else the newest
   * recorded change before it, else null.
   */
  private async completeHistory(key: string): Promise<RulesChangeRecord[]> {
    const recorded = await this.audit.history(key);
    const have = new Set(recorded.map((r) => r.revision));
    const written: RulesChangeRecord[] = [];
    let previous: FunctionRules | null | undefined;
    for await (const e of await this.kv.history({ key })) {
      if (e.operation !== 'PUT') {
        previous = null;
        continue;
      }
      const { rules, change } = decodeValue(e);
      if (!have.has(e.revision) && change !== undefined) {
        const old = previous !== undefined ? previous : (recorded.filter((r) => r.revision < e.revision).at(-1)?.new ?? null);
        await this.audit.record(key, e.revision, old, rules, { who: change.who, why: change.why, force: change.forced }, change.at);
        written.push({ name: key, revision: e.revision, who: change.who, why: change.why, forced: change.forced, at: change.at, old, new: rules });
      }
      previous = rules;
    }
    return written.length === 0 ? recorded : [...recorded, ...written].sort((a, b) => a.revision - b.revision);
  }

  /** Stops the watches; the connection belongs to the caller and stays open. */
  async close(): Promise<void> {
    await Promise.all([...this.watches].map((w) => w.stop()));
    await this.ownedEvents?.close();
  }
}
