// Test kit: a concurrent append workload that records its history, and a checker of what readers were given (Jepsen-style).
import { randomInt, randomUUID } from 'node:crypto';
import pg from 'pg';
import type { StoredEvent, Subscription } from '@lucent/runtime';
import type { SqlEventStore } from '../eventStore/sqlEventStore.js';

/** What the workload knows about one append when it ends. */
export interface AppendRecord {
  readonly stream: string;
  readonly ids: readonly string[];
  /** acked: the store returned a result; failed: refused (e.g. version conflict); rolledBack: aborted on purpose; unknown: the connection was lost. */
  outcome: 'acked' | 'failed' | 'rolledBack' | 'unknown';
  nextVersion?: number;
  lastPosition?: number;
}

export interface WorkloadOptions {
  readonly store: SqlEventStore;
  /** Where the deliberately rolled-back transactions connect. */
  readonly connectionString: string;
  readonly writers: number;
  readonly durationMs: number;
  /** Streams shared by all writers (each writer also has one of its own). */
  readonly sharedStreams: number;
  /** Share of appends run in a transaction that is rolled back on purpose (0..1). */
  readonly rollbackShare: number;
  /**
   * Share of appends sent without an idempotency key (0..1, default 0). Their single-event ones go
   * through the store's group commit (appendGroups.ts); a lost connection leaves such an append
   * unknown, as nothing tells a retry apart from a second append.
   */
  readonly unkeyedShare?: number;
}

const isUnavailable = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === 'UNAVAILABLE';

/**
 * `writers` loops for `durationMs`: each append goes to a random shared stream or the writer's own,
 * carries 1–5 events with ids of the caller (a third of them one event), and an expected version picked at random (any, the
 * version just read, a stale one, noStream). A lost connection is retried with the same idempotency
 * key and the same events until it is answered (or the run ends: unknown).
 */
export async function runAppendWorkload(o: WorkloadOptions): Promise<AppendRecord[]> {
  const history: AppendRecord[] = [];
  const end = Date.now() + o.durationMs;
  const loop = async (writer: number): Promise<void> => {
    const side = new pg.Client({ connectionString: o.connectionString });
    side.on('error', () => undefined);
    let sideUp = false;
    try {
      while (Date.now() < end) {
        const stream = randomInt(3) === 0 ? `own-${writer}` : `shared-${randomInt(o.sharedStreams)}`;
        const events = Array.from({ length: randomInt(3) === 0 ? 1 : 1 + randomInt(5) }, (_, k) => ({ id: randomUUID(), type: 'Checked', data: { writer, k } }));
        const record: AppendRecord = { stream, ids: events.map((e) => e.id), outcome: 'unknown' };
        history.push(record);
        if (Math.random() < o.rollbackShare) {
          try {
            if (!sideUp) {
              await side.connect();
              sideUp = true;
            }
            const payload = JSON.stringify(events.map((e) => ({ ...e, metadata: {} })));
            await side.query('BEGIN');
            await side.query(`SELECT * FROM ${o.store.schema}.lucent_append($1, 'any', $2::jsonb, NULL)`, [stream, payload]);
            await new Promise((r) => setTimeout(r, randomInt(3)));
            await side.query('ROLLBACK');
            record.outcome = 'rolledBack';
          } catch {
            // The side connection died (server restarted): its transaction is rolled back by the server.
            record.outcome = 'rolledBack';
            await side.end().catch(() => undefined);
            return loop(writer);
          }
          continue;
        }
        let expected: number | 'any' | 'noStream';
        try {
          const version = await o.store.streamVersion(stream);
          const pick = randomInt(4);
          expected = pick === 0 ? 'any' : pick === 1 ? version : pick === 2 ? Math.max(0, version - 1) : version === 0 ? 'noStream' : version;
        } catch (error) {
          if (!isUnavailable(error)) throw error;
          await new Promise((r) => setTimeout(r, 50));
          record.outcome = 'failed';
          continue;
        }
        const key = Math.random() < (o.unkeyedShare ?? 0) ? undefined : randomUUID();
        for (;;) {
          try {
            const r = await o.store.append(stream, events, { expectedVersion: expected, ...(key !== undefined && { idempotencyKey: key }) });
            record.outcome = 'acked';
            record.nextVersion = r.nextVersion;
            record.lastPosition = r.lastGlobalPosition;
            break;
          } catch (error) {
            if ((error as { code?: unknown }).code === 'VERSION_CONFLICT') {
              record.outcome = 'failed';
              break;
            }
            if (!isUnavailable(error)) throw error;
            if (key === undefined) break; // unknown: no key to retry it by
            if (Date.now() > end + 20_000) break; // unknown: never answered
            await new Promise((r) => setTimeout(r, 50));
          }
        }
      }
    } finally {
      await side.end().catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: o.writers }, (_, w) => loop(w)));
  return history;
}

/** A reader's view: the events it was handed, in the order it was handed them. */
export interface Delivery {
  readonly name: string;
  readonly events: readonly StoredEvent[];
}

/** A live subscriber that records what it is given. */
export function recordingSubscriber(store: SqlEventStore, name: string, batchSize: number): { delivery: Delivery; sub: Subscription } {
  const events: StoredEvent[] = [];
  const sub = store.subscribe({
    subscriberId: name,
    batchSize,
    pollIntervalMs: 200,
    handler: (batch) => void events.push(...batch),
    onError: () => undefined,
  });
  return { delivery: { name, events }, sub };
}

/** Reads the log page by page while `running()`, and then to its end. */
export async function pagedReader(store: SqlEventStore, pageSize: number, running: () => boolean): Promise<Delivery> {
  const events: StoredEvent[] = [];
  let after = 0;
  let idleAfterStop = 0;
  while (running() || idleAfterStop < 3) {
    try {
      const page = await store.readAll({ after, maxCount: pageSize });
      if (page.length > 0) {
        events.push(...page);
        after = (page[page.length - 1] as StoredEvent).globalPosition;
        idleAfterStop = 0;
      } else {
        if (!running()) idleAfterStop++;
        await new Promise((r) => setTimeout(r, 5));
      }
    } catch (error) {
      if (!isUnavailable(error)) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { name: 'paged readAll', events };
}

/**
 * Every violation found, as sentences (empty when the history is sound): acknowledged events lost,
 * events of rolled-back or refused appends stored, stream versions not contiguous, acknowledged
 * versions and positions not those stored, and any reader that skipped, repeated or reordered an
 * event of the log.
 */
export function checkHistory(history: readonly AppendRecord[], log: readonly StoredEvent[], deliveries: readonly Delivery[]): string[] {
  const problems: string[] = [];
  const byId = new Map(log.map((e) => [e.id, e]));
  for (const r of history) {
    const stored = r.ids.map((id) => byId.get(id));
    if (r.outcome === 'acked') {
      if (stored.some((e) => e === undefined)) problems.push(`acknowledged append to ${r.stream} lost (${r.ids.join(',')})`);
      const last = stored[stored.length - 1];
      if (last && (last.streamVersion !== r.nextVersion || last.globalPosition !== r.lastPosition)) {
        problems.push(`append to ${r.stream} acknowledged v${r.nextVersion}@${r.lastPosition}, stored v${last.streamVersion}@${last.globalPosition}`);
      }
    } else if (r.outcome === 'rolledBack' || r.outcome === 'failed') {
      if (stored.some((e) => e !== undefined)) problems.push(`${r.outcome} append to ${r.stream} has stored events`);
    } else if (stored.some((e) => e !== undefined) && stored.some((e) => e === undefined)) {
      problems.push(`append to ${r.stream} of unknown outcome is partly stored`);
    }
  }
  const streams = new Map<string, number[]>();
  for (const e of log) streams.set(e.stream, [...(streams.get(e.stream) ?? []), e.streamVersion]);
  for (const [stream, versions] of streams) {
    if (versions.some((v, i) => v !== i + 1)) problems.push(`stream ${stream} versions are not 1..${versions.length} in log order`);
  }
  const logIds = log.map((e) => e.id);
  for (const d of deliveries) {
    const positions = d.events.map((e) => e.globalPosition);
    const firstDrop = positions.findIndex((p, i) => i > 0 && p <= (positions[i - 1] as number));
    if (firstDrop >= 0) problems.push(`${d.name}: position ${positions[firstDrop]} after ${positions[firstDrop - 1]} (repeat or reorder)`);
    const ids = d.events.map((e) => e.id);
    if (ids.length !== logIds.length || ids.some((id, i) => id !== logIds[i])) {
      const given = new Set(ids);
      const missing = logIds.filter((id) => !given.has(id)).length;
      problems.push(`${d.name}: handed ${ids.length} events, the log holds ${logIds.length} (${missing} never handed out)`);
    }
  }
  return problems;
}

/** The whole log in position order. */
export async function readWholeLog(store: SqlEventStore): Promise<StoredEvent[]> {
  const log: StoredEvent[] = [];
  for (;;) {
    const page = await store.readAll({ after: log.length === 0 ? 0 : (log[log.length - 1] as StoredEvent).globalPosition, maxCount: 5_000 });
    if (page.length === 0) return log;
    log.push(...page);
  }
}
