// Runs a command against an event-sourced stream: load, fold, decide through the FunctionManager, append, retry on conflict.
import { randomUUID } from 'node:crypto';
import {
  ConcurrencyError,
  ValidationError,
  defaultRetryPolicy,
  foldEvents,
  retryDelay,
  type BusinessMetadata,
  type Decider,
  type DecisionInput,
  type DomainEvent,
  type RetryPolicy,
} from '@lucent/core';
import type { EventStore, NewEvent } from '../eventStore/eventStore.js';
import type { Invoker } from '../invoker/invoker.js';
import { businessAttributes, inSpan, parentContext, SpanKind, spanParent, traceparentOf, traceparentOfSpan, tracingActive } from '../observability/tracing.js';
import { decisionMetadataKey, type DecisionRecord } from './decisionRecord.js';

export interface DeciderCommandHandlerOptions<C, E extends DomainEvent, S> {
  readonly store: EventStore;
  /**
   * Runs the decision: any Invoker (this process, a shard, routed). One with a clock (`now()`, as a
   * FunctionManager has) lends it as the default `clock`.
   */
  readonly functions: Pick<Invoker, 'invoke'> & { now?(): number };
  /** initialState and evolve fold the stream here; decide runs as the registered function `decision`. */
  readonly decider: Pick<Decider<C, E, S>, 'initialState' | 'evolve'>;
  /** Name of the function made by `decisionFunction(…)` and registered in `functions`. */
  readonly decision: string;
  /** The stream a command addresses, e.g. `position-${command.positionId}`. */
  readonly streamOf: (command: C) => string;
  readonly retry?: RetryPolicy;
  readonly random?: () => number;
  /**
   * The clock whose reading the decision sees as ctx.now() (default: the invoker's clock, else Date.now).
   * The reading is taken here so that it can be recorded.
   */
  readonly clock?: () => number;
  /**
   * Record the decision (function, version, command, clock reading, seed) in the first appended
   * event's metadata, so `replayStream` / `lucent replay` can run it again (default true). Turn it
   * off when commands hold data that must not be kept in the log.
   */
  readonly recordDecisions?: boolean;
}

export interface CommandOptions {
  /**
   * Repeating a command with the same key (on its stream) returns the first result and writes
   * nothing; the same key with another command or stream is refused with IDEMPOTENCY_KEY_REUSED.
   */
  readonly idempotencyKey?: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly traceparent?: string;
  readonly business?: BusinessMetadata;
}

export interface CommandResult<E extends DomainEvent> {
  readonly stream: string;
  /** Events this call decided (empty for a duplicate). */
  readonly events: readonly E[];
  readonly nextVersion: number;
  readonly lastGlobalPosition: number;
  readonly duplicate: boolean;
  /** Tries it took; more than 1 when another writer won a race. */
  readonly attempts: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class DeciderCommandHandler<C, E extends DomainEvent, S> {
  private readonly retry: RetryPolicy;
  private readonly random: () => number;
  private readonly clock: () => number;
  private readonly record: boolean;

  constructor(private readonly options: DeciderCommandHandlerOptions<C, E, S>) {
    this.retry = options.retry ?? defaultRetryPolicy;
    this.random = options.random ?? Math.random;
    const functions = options.functions;
    this.clock = options.clock ?? (functions.now === undefined ? Date.now : () => functions.now!());
    this.record = options.recordDecisions ?? true;
  }

  private streamFor(command: C): string {
    let stream: unknown;
    try {
      stream = this.options.streamOf(command);
    } catch {
      stream = undefined;
    }
    if (typeof stream !== 'string' || stream.length === 0 || stream.includes('undefined')) {
      throw new ValidationError('command', this.options.decision, [
        { path: '', message: 'the command does not name its stream (missing id?)' },
      ]);
    }
    return stream;
  }

  handle(command: C, options: CommandOptions = {}): Promise<CommandResult<E>> {
    if (tracingActive()) return this.traced(command, options);
    return this.run(command, options);
  }

  /** The command in a `command <decision>` span: the decision's call and the append are its children, and the events carry its traceparent. */
  private traced(command: C, options: CommandOptions): Promise<CommandResult<E>> {
    const caller = parentContext(options.traceparent);
    const parent = spanParent(caller, true);
    if (parent === undefined) {
      const traceparent = traceparentOf(caller, options.traceparent);
      return this.run(command, traceparent === options.traceparent ? options : { ...options, traceparent });
    }
    const type = (command as { type?: unknown } | null)?.type;
    const attributes = () =>
      businessAttributes(options.business, {
        'lucent.decision': this.options.decision,
        ...(typeof type === 'string' && { 'lucent.command.type': type }),
        ...(options.correlationId !== undefined && { 'lucent.correlation_id': options.correlationId }),
      });
    return inSpan(`command ${this.options.decision}`, SpanKind.INTERNAL, parent, attributes, async (span) => {
      const result = await this.run(command, { ...options, traceparent: traceparentOfSpan(span) });
      if (span.isRecording()) span.setAttributes({ 'lucent.stream': result.stream, 'lucent.attempts': result.attempts, 'lucent.duplicate': result.duplicate });
      return result;
    });
  }

  private async run(command: C, options: CommandOptions): Promise<CommandResult<E>> {
    const { store, functions, decider, decision } = this.options;
    const stream = this.streamFor(command);
    const correlationId = options.correlationId ?? randomUUID();
    for (let attempt = 1; ; attempt++) {
      const history = await store.readStream(stream);
      const version = history.length === 0 ? 0 : (history[history.length - 1]?.streamVersion ?? 0);
      const state = foldEvents(decider, history as unknown as E[]);
      const input: DecisionInput<C, S> = { command, state };
      // Clock reading, seed and version are fixed here rather than inside the manager, so the
      // exact values the function saw can be written down beside its events.
      const now = this.clock();
      const seed = correlationId;
      // The version recorded is the one that ran, as the invoker tells it (rules may have chosen it).
      let pinned: string | undefined;
      const { output } = await functions.invoke(decision, input, {
        correlationId,
        causationId: options.causationId,
        traceparent: options.traceparent,
        business: options.business,
        attempt,
        now,
        seed,
        placed: (where) => (pinned = where.version),
      });
      const events = output as E[];
      if (events.length === 0) {
        return { stream, events, nextVersion: version, lastGlobalPosition: 0, duplicate: false, attempts: attempt };
      }
      const metadata = {
        correlationId,
        ...(options.causationId !== undefined && { causationId: options.causationId }),
        ...(options.traceparent !== undefined && { traceparent: options.traceparent }),
        ...(options.business?.userId !== undefined && { userId: options.business.userId }),
      };
      const toAppend: NewEvent[] = events.map((e) => ({ type: e.type, data: e.data, metadata }));
      if (this.record && pinned !== undefined) {
        const record: DecisionRecord = {
          function: decision,
          version: pinned,
          command,
          now,
          seed,
          attempt,
          batchSize: events.length,
          ...(options.business !== undefined && Object.keys(options.business).length > 0 && { business: options.business }),
        };
        // The whole record on the first event only: the batch is contiguous in its stream.
        toAppend[0] = { ...toAppend[0]!, metadata: { ...metadata, [decisionMetadataKey]: record } };
      }
      try {
        // The key stands for the command, not for the events: a retry decides again (a new clock
        // reading, correlation id, attempt), so its events differ while the request is the same.
        const r = await store.append(stream, toAppend, {
          expectedVersion: version === 0 ? 'noStream' : version,
          ...(options.idempotencyKey !== undefined && {
            idempotencyKey: options.idempotencyKey,
            idempotencyPayload: { decision, command },
          }),
        });
        return { stream, events: r.duplicate ? [] : events, ...r, attempts: attempt };
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error;
        const delay = retryDelay(this.retry, attempt, this.random());
        if (delay === undefined) throw error;
        // Decide again on the fresh state: the rival's events may change the answer.
        await sleep(delay);
      }
    }
  }
}
