// Replay a stream's recorded decisions: run each again on the state before it and compare the events.
import {
  foldEvents,
  isLucentError,
  type AnyFunctionDefinition,
  type Decider,
  type DecisionInput,
  type DomainEvent,
  type InvocationResult,
} from '@lucent/core';
import type { EventStore, StoredEvent } from '../eventStore/eventStore.js';
import type { InvokeOptions, Invoker } from '../invoker/invoker.js';
import { decisionRecordOf, type DecisionRecord } from './decisionRecord.js';

/**
 * What replay runs decisions with: any Invoker. One that can also `run` a looked-up definition
 * directly (a FunctionManager) does so, past the live traffic's kill switch, weights and
 * jurisdiction; any other gets `invoke` with the recorded version pinned.
 */
export type ReplayInvoker = Pick<Invoker, 'invoke' | 'lookup'> & {
  run?(fn: AnyFunctionDefinition, input: unknown, options?: InvokeOptions): Promise<InvocationResult<unknown>>;
};

export type ReplayStatus = 'same' | 'diverged' | 'not-recorded';

/** Where the stored and replayed events first disagree; `path` is dotted, starting at the event's index in the batch. */
export interface ReplayDifference {
  readonly path: string;
  /** The stored value at `path`; undefined when the replay produced more than was stored. */
  readonly stored: unknown;
  /** The replayed value at `path`; undefined when the replay produced less than was stored. */
  readonly replayed: unknown;
}

export interface BatchReplay {
  /** Stream versions of the batch's first and last event (inclusive). */
  readonly fromVersion: number;
  readonly toVersion: number;
  readonly status: ReplayStatus;
  /** The recorded decision function and the version that wrote the batch. */
  readonly function?: string;
  readonly recordedVersion?: string;
  /** The version run by the replay: the recorded one unless `ReplayOptions.version` named another. */
  readonly replayedVersion?: string;
  /** The first disagreement of a diverged batch whose replay produced events. */
  readonly difference?: ReplayDifference;
  /** Why a diverged batch's replay produced no events: the function refused, failed or was not found. */
  readonly error?: { readonly code: string; readonly message: string };
}

export interface StreamReplay {
  readonly stream: string;
  /** Events read from the stream. */
  readonly events: number;
  readonly batches: readonly BatchReplay[];
  readonly same: number;
  readonly diverged: number;
  readonly notRecorded: number;
}

export interface ReplayOptions {
  /**
   * Run this version instead of the recorded one for every recorded batch: checks a candidate
   * against history before it is activated.
   */
  readonly version?: string;
  /** With `version`: run it only for this function's decisions; the others replay with the version that recorded them. */
  readonly function?: string;
}

type AnyDecider = Pick<Decider<unknown, DomainEvent, unknown>, 'initialState' | 'evolve'>;

/** Events as they would be stored: what JSON (and PostgreSQL jsonb) keeps of them. */
function asStored(events: readonly DomainEvent[]): unknown {
  return JSON.parse(JSON.stringify(events.map((e) => ({ type: e.type, data: e.data ?? null })))) as unknown;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** The first path at which two JSON values differ, or undefined when they are deeply equal. Key order does not count. */
export function firstDifference(stored: unknown, replayed: unknown, path = ''): ReplayDifference | undefined {
  const at = (key: string | number): string => (path === '' ? String(key) : `${path}.${key}`);
  if (Array.isArray(stored) && Array.isArray(replayed)) {
    const n = Math.max(stored.length, replayed.length);
    for (let i = 0; i < n; i++) {
      if (i >= stored.length || i >= replayed.length) return { path: at(i), stored: stored[i], replayed: replayed[i] };
      const d = firstDifference(stored[i], replayed[i], at(i));
      if (d) return d;
    }
    return undefined;
  }
  if (isRecord(stored) && isRecord(replayed) && !Array.isArray(stored) && !Array.isArray(replayed)) {
    const keys = [...new Set([...Object.keys(stored), ...Object.keys(replayed)])].sort();
    for (const k of keys) {
      if (!(k in stored) || !(k in replayed)) return { path: at(k), stored: stored[k], replayed: replayed[k] };
      const d = firstDifference(stored[k], replayed[k], at(k));
      if (d) return d;
    }
    return undefined;
  }
  return Object.is(stored, replayed) ? undefined : { path, stored, replayed };
}

function errorOf(error: unknown): { code: string; message: string } {
  if (isLucentError(error)) return { code: error.code, message: error.message };
  return { code: 'FUNCTION_FAILED', message: error instanceof Error ? error.message : String(error) };
}

async function replayBatch(
  functions: ReplayInvoker,
  record: DecisionRecord,
  state: unknown,
  stored: readonly StoredEvent[],
  version: string,
): Promise<Pick<BatchReplay, 'status' | 'difference' | 'error'>> {
  const first = stored[0]!.metadata;
  let produced: DomainEvent[];
  try {
    // run(), not invoke(): the kill switch, weights and jurisdiction rules are about live traffic,
    // and a replay must run exactly the version asked for.
    const input: DecisionInput<unknown, unknown> = { command: record.command, state };
    const options: InvokeOptions = {
      now: record.now,
      seed: record.seed,
      attempt: record.attempt,
      ...(first.correlationId !== undefined && { correlationId: first.correlationId }),
      ...(first.causationId !== undefined && { causationId: first.causationId }),
      ...(first.traceparent !== undefined && { traceparent: first.traceparent }),
      ...(record.business !== undefined && { business: record.business }),
    };
    const { output } =
      functions.run === undefined
        ? await functions.invoke(record.function, input, { ...options, version })
        : await functions.run(functions.lookup(record.function, version), input, options);
    produced = output as DomainEvent[];
  } catch (error) {
    return { status: 'diverged', error: errorOf(error) };
  }
  const difference = firstDifference(asStored(stored), asStored(produced));
  return difference === undefined ? { status: 'same' } : { status: 'diverged', difference };
}

/**
 * Read `stream` and walk its appended batches in order. Each batch the DeciderCommandHandler
 * recorded is decided again, on the state folded from the events before it, with the recorded
 * command, clock reading, seed and attempt, and its events compared (type and data) with the
 * stored ones. Events without a record (written by other code, or before recording) are
 * reported as 'not-recorded' and still folded into the state.
 */
export async function replayStream<C, E extends DomainEvent, S>(
  store: EventStore,
  functions: ReplayInvoker,
  decider: Pick<Decider<C, E, S>, 'initialState' | 'evolve'>,
  stream: string,
  options: ReplayOptions = {},
): Promise<StreamReplay> {
  const fold = decider as unknown as AnyDecider;
  const history = await store.readStream(stream);
  const records = history.map((e) => decisionRecordOf(e.metadata));
  const batches: BatchReplay[] = [];
  let state: unknown = fold.initialState();
  let i = 0;
  while (i < history.length) {
    const record = records[i];
    // A batch ends after its recorded size, or earlier at the next record (a damaged size must not swallow it).
    const limit = record === undefined ? history.length : Math.min(history.length, i + record.batchSize);
    let end = i + 1;
    while (end < limit && records[end] === undefined) end++;
    const events = history.slice(i, end);
    const range = { fromVersion: events[0]!.streamVersion, toVersion: events[events.length - 1]!.streamVersion };
    if (record === undefined) {
      batches.push({ ...range, status: 'not-recorded' });
    } else {
      const candidate = options.function === undefined || options.function === record.function;
      const version = candidate ? (options.version ?? record.version) : record.version;
      const outcome = await replayBatch(functions, record, state, events, version);
      batches.push({ ...range, function: record.function, recordedVersion: record.version, replayedVersion: version, ...outcome });
    }
    // The handler folded the stored events themselves, so the replay does too.
    state = foldEvents(fold, events as unknown as DomainEvent[], state);
    i = end;
  }
  const count = (s: ReplayStatus): number => batches.filter((b) => b.status === s).length;
  return { stream, events: history.length, batches, same: count('same'), diverged: count('diverged'), notRecorded: count('not-recorded') };
}
