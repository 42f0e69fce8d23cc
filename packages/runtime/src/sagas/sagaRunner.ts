// SagaRunner: records each saga's decisions as events in its own stream, runs its steps and compensations, and resumes after a crash.
import { randomUUID } from 'node:crypto';
import {
  ConcurrencyError,
  LucentError,
  SagaNotFoundError,
  SagaTypeUnknownError,
  ValidationError,
  defaultCompensationRetry,
  defaultStepDeadlineMs,
  defaultStepRetry,
  decideRetry,
  evolveSaga,
  foldSaga,
  isFinished,
  payloadSatisfies,
  planSaga,
  reactionRecord,
  sagaRecordTypes,
  settledBy,
  silentLogger,
  stepPolicyFor,
  validate,
  type AnySagaDefinition,
  type ArmedWait,
  type DomainEvent,
  type Logger,
  type SagaInstance,
  type SagaRecord,
  type SagaStatus,
  type SagaWork,
  type SerializedError,
  type StoredTrigger,
} from '@lucent/core';
import type { CommandBus } from '../cqrs/commandBus.js';
import type { EventStore, StoredEvent } from '../eventStore/eventStore.js';
import { commandBusExecutor, sagaErrorOf, type SagaCommandExecutor, type SagaCommandMessage } from './sagaCommandMessage.js';
import type { SagaScheduling, WaitArrival } from './sagaScheduling.js';

/** Test hooks: called synchronously at the two points where a crash is most interesting. */
export interface SagaRunnerHooks {
  /** A command ran (or failed) and its outcome is not recorded yet. */
  afterExecute?(message: SagaCommandMessage, ok: boolean): void;
  /** A record was appended to a saga's stream. */
  afterRecord?(sagaId: string, record: SagaRecord): void;
}

export interface SagaRunnerOptions {
  readonly store: EventStore;
  /** Where commands go: a CommandBus whose handlers are registered by command type, or any executor. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly commands: CommandBus<any> | SagaCommandExecutor;
  /** Timers, wake-ups and external waits, kept durable by the Scheduler. */
  readonly scheduling: SagaScheduling;
  readonly sagas?: readonly AnySagaDefinition[];
  /** Prefix of the saga streams (`<name>-<id>`) and of the index stream (default `saga`). */
  readonly name?: string;
  readonly clock?: () => number;
  /** Runs `fn` at clock time `at` and returns a cancel; what a virtual clock replaces (default setTimeout). */
  readonly setTimer?: (at: number, fn: () => void) => () => void;
  /** In [0, 1): jitter of retry backoff. */
  readonly random?: () => number;
  readonly logger?: Logger;
  readonly hooks?: SagaRunnerHooks;
  /** Sagas resumed at once on start (default 32). */
  readonly resumeConcurrency?: number;
  /**
   * Index events `resume()` may fold before it stores a snapshot of the unfinished sagas in the
   * index (default 1,000), so the next resume reads back only to that snapshot.
   */
  readonly indexSnapshotEvery?: number;
}

/** A saga's state and history, as the query returns them. */
export interface SagaView {
  readonly id: string;
  readonly type: string;
  readonly status: SagaStatus;
  readonly state: unknown;
  readonly failure?: string;
  readonly startedAt: number;
  readonly updatedAt: number;
  readonly stepsInFlight: readonly { readonly step: number; readonly command: unknown; readonly attempts: number }[];
  readonly waits: readonly ArmedWait[];
  readonly timers: readonly { readonly name: string; readonly dueAt: number }[];
  readonly compensations: { readonly recorded: readonly unknown[]; readonly done: number };
  readonly history: readonly { readonly version: number; readonly type: string; readonly data: unknown; readonly timestamp: number }[];
}

export interface StartedSaga {
  readonly sagaId: string;
  /** False when a saga with this id already existed: nothing was written. */
  readonly created: boolean;
}

/** An index event listing the sagas still open at its version; resume reads back no further. */
const indexSnapshotType = 'SagaIndexSnapshot';
interface IndexSnapshot {
  readonly open: readonly string[];
}

const idPattern = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$/;
const lifecycleTypes = new Set(['SagaStarted', 'StepSucceeded', 'StepFailed', 'TimerFired', 'WaitMatched', 'WaitTimedOut']);
const recordTypes = new Set<string>(sagaRecordTypes);

function toRecords(events: readonly StoredEvent[]): SagaRecord[] {
  return events.filter((e) => recordTypes.has(e.type)).map((e) => ({ type: e.type, data: e.data }) as SagaRecord);
}

export class SagaRunner {
  private readonly store: EventStore;
  private readonly execute: SagaCommandExecutor;
  private readonly scheduling: SagaScheduling;
  private readonly definitions = new Map<string, AnySagaDefinition>();
  private readonly name: string;
  private readonly clock: () => number;
  private readonly setTimer: (at: number, fn: () => void) => () => void;
  private readonly random: () => number;
  private readonly log: Logger;
  private readonly hooks: SagaRunnerHooks;
  private readonly resumeConcurrency: number;
  private readonly indexSnapshotEvery: number;
  /** Live instances of unfinished sagas this process works on. */
  private readonly cache = new Map<string, SagaInstance>();
  /** Per-saga chain of work, so one saga's records are written one at a time in this process. */
  private readonly queues = new Map<string, Promise<void>>();
  /** The wake-up armed per saga, so an unchanged plan does not arm it again. */
  private readonly armed = new Map<string, number>();
  private closed = false;
  private halted = false;

  constructor(options: SagaRunnerOptions) {
    this.store = options.store;
    this.execute = typeof options.commands === 'function' ? options.commands : commandBusExecutor(options.commands);
    this.scheduling = options.scheduling;
    this.name = options.name ?? 'saga';
    this.clock = options.clock ?? Date.now;
    this.setTimer =
      options.setTimer ??
      ((at, fn) => {
        const t = setTimeout(fn, Math.max(0, Math.min(at - this.clock(), 2 ** 31 - 1)));
        return () => clearTimeout(t);
      });
    this.random = options.random ?? Math.random;
    this.log = options.logger ?? silentLogger;
    this.hooks = options.hooks ?? {};
    this.resumeConcurrency = options.resumeConcurrency ?? 32;
    this.indexSnapshotEvery = options.indexSnapshotEvery ?? 1_000;
    for (const d of options.sagas ?? []) this.register(d);
    this.scheduling.connect({
      wake: (id) => this.wake(id),
      waitMatched: (m) => this.waitMatched(m),
      waitTimedOut: (id, key, registeredAt) => this.waitTimedOut(id, key, registeredAt),
    });
  }

  register(definition: AnySagaDefinition): this {
    if (this.definitions.has(definition.type)) throw new LucentError('CONFLICT', `Saga type ${definition.type} is already registered`);
    this.definitions.set(definition.type, definition);
    return this;
  }

  private streamOf(sagaId: string): string {
    return `${this.name}-${sagaId}`;
  }

  private get indexStream(): string {
    return `${this.name}.index`;
  }

  // ── public API ────────────────────────────────────────────────────────────────────────

  /**
   * Start a saga. An unknown type is SagaTypeUnknownError and a bad input ValidationError,
   * both before anything is stored. Starting an id that exists writes nothing (`created: false`).
   * Resolves once the saga has done what it can do at once (its first steps run inline) and
   * sleeps, waits or finishes; a caller that only needs it accepted need not wait for that.
   */
  async start(sagaType: string, input: unknown, options: { readonly id?: string } = {}): Promise<StartedSaga> {
    const definition = this.definitions.get(sagaType);
    if (definition === undefined) throw new SagaTypeUnknownError(sagaType, [...this.definitions.keys()]);
    const id = options.id ?? randomUUID();
    if (typeof id !== 'string' || !idPattern.test(id)) {
      throw new ValidationError('input', `saga ${sagaType}`, [
        { path: 'id', message: 'must be 1-200 characters: letters, digits and . _ : @ - (starting with a letter or digit)' },
      ]);
    }
    const parsed = definition.input ? await validate(definition.input, input, 'input', `saga ${sagaType}`) : input;
    const at = this.clock();
    const startedRecord: SagaRecord = { type: 'SagaStarted', data: { sagaType, input: parsed, at } };
    const fresh = evolveSaga(undefined, startedRecord, id);
    // The first reaction is computed before any write: a reducer that throws stores nothing.
    const first = reactionRecord(definition, fresh, { type: 'SagaStarted', data: parsed, at });
    if ((await this.store.streamVersion(this.streamOf(id))) > 0) return { sagaId: id, created: false };
    await this.store.append(this.indexStream, [{ type: 'SagaOpened', data: { sagaId: id, sagaType } }]);
    return this.enqueue(id, async () => {
      try {
        await this.store.append(this.streamOf(id), [startedRecord, first], { expectedVersion: 'noStream' });
      } catch (error) {
        if (error instanceof ConcurrencyError) return { sagaId: id, created: false };
        throw error;
      }
      let instance = evolveSaga(fresh, first);
      this.hooks.afterRecord?.(id, startedRecord);
      this.hooks.afterRecord?.(id, first);
      instance = await this.afterRecorded(instance, first);
      await this.drive(instance);
      return { sagaId: id, created: true };
    });
  }

  /** Hand a domain event to one saga's reducer. False when the saga has already finished. */
  async deliver(sagaId: string, event: DomainEvent): Promise<boolean> {
    if (typeof event?.type !== 'string' || lifecycleTypes.has(event.type)) {
      throw new ValidationError('input', `saga ${sagaId}`, [{ path: 'type', message: 'must name a domain event, not a lifecycle event' }]);
    }
    return this.enqueue(sagaId, async () => {
      const instance = await this.load(sagaId);
      if (instance === undefined) throw new SagaNotFoundError(sagaId);
      if (instance.status !== 'running') return false;
      await this.drive(await this.react(instance, { type: event.type, data: event.data, at: this.clock() }));
      return true;
    });
  }

  /** Hand in an outside event (a confirmation, a callback) for the saga waits on `key`. */
  signal(key: string, payload: unknown, arrivalId?: string) {
    return this.scheduling.deliver(key, payload, arrivalId);
  }

  /** A saga's state and full history. SagaNotFoundError for an id never started. */
  async get(sagaId: string): Promise<SagaView> {
    const events = await this.store.readStream(this.streamOf(sagaId));
    const instance = foldSaga(sagaId, toRecords(events));
    if (instance === undefined) throw new SagaNotFoundError(sagaId);
    return {
      id: instance.id,
      type: instance.type,
      status: instance.status,
      state: instance.state,
      ...(instance.failure !== undefined && { failure: instance.failure }),
      startedAt: instance.startedAt,
      updatedAt: instance.updatedAt,
      stepsInFlight: instance.steps.map((s) => ({ step: s.step, command: s.command, attempts: s.attempts })),
      waits: instance.waits,
      timers: instance.timers,
      compensations: { recorded: instance.compensations, done: instance.compensated },
      history: events.map((e) => ({ version: e.streamVersion, type: e.type, data: e.data, timestamp: e.timestamp })),
    };
  }

  /**
   * Resume every unfinished saga from the event store alone: steps in flight run again under
   * their original idempotency keys, waits and wake-ups are re-armed. Returns how many.
   */
  async resume(): Promise<number> {
    const ids = await this.unfinishedSagas();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < ids.length && !this.closed) {
        const id = ids[next++] as string;
        try {
          await this.enqueue(id, () => this.resumeOne(id));
        } catch (error) {
          this.log.error('saga could not be resumed; it stays open', { sagaId: id, error: String(error) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.resumeConcurrency, ids.length) }, worker));
    return ids.length;
  }

  /** Resolves when no saga work is queued in this process (tests and benchmarks). */
  async idle(): Promise<void> {
    while (this.queues.size > 0) await Promise.allSettled([...this.queues.values()]);
  }

  /** Stop at once: no further step of any saga is taken (what a crash looks like, for test kits). */
  halt(): void {
    this.closed = true;
    this.halted = true;
  }

  /** Stop taking work; work in progress finishes. */
  async close(): Promise<void> {
    this.closed = true;
    await this.idle();
  }

  /** True while saga work is queued or running in this process. */
  get busy(): boolean {
    return this.queues.size > 0;
  }

  /** Sagas this process holds in memory (unfinished ones it has seen). */
  get activeCount(): number {
    return this.cache.size;
  }

  /** The unfinished sagas this process holds, counted by status (metrics). */
  openByStatus(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const instance of this.cache.values()) counts[instance.status] = (counts[instance.status] ?? 0) + 1;
    return counts;
  }

  // ── scheduler callbacks ───────────────────────────────────────────────────────────────

  private wake(sagaId: string): Promise<void> {
    return this.enqueue(sagaId, async () => {
      if ((this.armed.get(sagaId) ?? Infinity) <= this.clock()) this.armed.delete(sagaId);
      const instance = await this.load(sagaId);
      if (instance !== undefined) await this.drive(instance);
    });
  }

  private waitMatched(m: WaitArrival): Promise<void> {
    return this.enqueue(m.sagaId, async () => {
      const instance = await this.load(m.sagaId);
      const wait = instance?.waits.find((w) => w.key === m.key && w.registeredAt === m.registeredAt);
      if (instance === undefined || wait === undefined || instance.status !== 'running') return;
      if (!payloadSatisfies(wait.where, m.payload)) {
        // Not the arrival this wait is for (e.g. too few confirmations yet): wait for the next one.
        await this.scheduling.waitFor(m.sagaId, wait, instance.startedAt, this.clock(), m.attempt + 1);
        return;
      }
      await this.drive(await this.react(instance, { type: 'WaitMatched', data: { key: m.key, payload: m.payload }, at: this.clock() }));
    });
  }

  private waitTimedOut(sagaId: string, key: string, registeredAt: number): Promise<void> {
    return this.enqueue(sagaId, async () => {
      const instance = await this.load(sagaId);
      const wait = instance?.waits.find((w) => w.key === key && w.registeredAt === registeredAt);
      if (instance === undefined || wait === undefined || instance.status !== 'running') return;
      await this.drive(await this.react(instance, { type: 'WaitTimedOut', data: { key }, at: this.clock() }));
    });
  }

  // ── the loop ──────────────────────────────────────────────────────────────────────────

  private enqueue<T>(sagaId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(sagaId) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(sagaId, tail);
    void tail.then(() => {
      if (this.queues.get(sagaId) === tail) this.queues.delete(sagaId);
    });
    return run;
  }

  private async load(sagaId: string): Promise<SagaInstance | undefined> {
    const cached = this.cache.get(sagaId);
    if (cached !== undefined) return cached;
    const instance = foldSaga(sagaId, toRecords(await this.store.readStream(this.streamOf(sagaId))));
    if (instance !== undefined && !isFinished(instance.status)) this.cache.set(sagaId, instance);
    return instance;
  }

  /**
   * The sagas the index lists as opened and not closed, oldest first. The index is read backwards,
   * newest first, down to its latest snapshot (or its start): the newest event of a saga decides
   * it, and a snapshot stands for everything before it. When more than `indexSnapshotEvery`
   * events were read, a new snapshot is appended at exactly the version read, so a resume that
   * raced a writer stores none (the next one will).
   */
  private async unfinishedSagas(): Promise<string[]> {
    const page = 5_000;
    const decided = new Set<string>();
    const open: string[] = [];
    let latest = 0;
    let read = 0;
    let from: number | undefined;
    scan: for (;;) {
      const batch = await this.store.readStream(this.indexStream, { direction: 'backwards', maxCount: page, ...(from === undefined ? {} : { fromVersion: from }) });
      if (latest === 0) latest = batch[0]?.streamVersion ?? 0;
      for (const e of batch) {
        if (e.type === indexSnapshotType) {
          for (const id of (e.data as IndexSnapshot).open) if (!decided.has(id)) open.push(id);
          break scan;
        }
        read++;
        const sagaId = (e.data as { sagaId: string }).sagaId;
        if (decided.has(sagaId)) continue;
        decided.add(sagaId);
        if (e.type === 'SagaOpened') open.push(sagaId);
      }
      const oldest = batch[batch.length - 1]?.streamVersion ?? 1;
      if (batch.length < page || oldest <= 1) break;
      from = oldest - 1;
    }
    if (read >= this.indexSnapshotEvery) {
      const snapshot: IndexSnapshot = { open };
      try {
        await this.store.append(this.indexStream, [{ type: indexSnapshotType, data: snapshot }], { expectedVersion: latest });
      } catch (error) {
        // Another writer got in first (the next resume snapshots), or the list is over the event
        // size limit (resume keeps reading back further): neither loses a saga.
        if (!(error instanceof ConcurrencyError) && !(error instanceof ValidationError)) throw error;
      }
    }
    return open.reverse();
  }

  private async resumeOne(sagaId: string): Promise<void> {
    this.cache.delete(sagaId);
    const instance = await this.load(sagaId);
    // Opened in the index but the start never committed (the caller was never told it started),
    // or another runner is starting it right now: either way nothing to resume, and nothing to close.
    if (instance === undefined) return;
    if (isFinished(instance.status)) {
      // It finished, but the process died before the index heard of it.
      await this.store.append(this.indexStream, [{ type: 'SagaClosed', data: { sagaId, status: instance.status } }]);
      return;
    }
    for (const w of instance.waits) await this.scheduling.ensureWait(sagaId, w, instance.startedAt, this.clock());
    await this.drive(instance);
  }

  private definitionOf(instance: SagaInstance): AnySagaDefinition {
    const d = this.definitions.get(instance.type);
    if (d === undefined) throw new SagaTypeUnknownError(instance.type, [...this.definitions.keys()]);
    return d;
  }

  /** Append records at the instance's version; a rival writer makes us reload and re-plan. */
  private async record(instance: SagaInstance, record: SagaRecord): Promise<SagaInstance> {
    if (this.halted) throw new LucentError('UNAVAILABLE', 'this saga runner was halted');
    try {
      await this.store.append(this.streamOf(instance.id), [record], { expectedVersion: instance.version });
    } catch (error) {
      if (error instanceof ConcurrencyError) this.cache.delete(instance.id);
      throw error;
    }
    const next = evolveSaga(instance, record);
    this.hooks.afterRecord?.(instance.id, record);
    return this.afterRecorded(next, record, instance);
  }

  /** Bookkeeping after a record: arm new waits; for a finished saga drop what it no longer needs and close it. */
  private async afterRecorded(instance: SagaInstance, record: SagaRecord, before?: SagaInstance): Promise<SagaInstance> {
    if (isFinished(instance.status)) {
      this.cache.delete(instance.id);
      const wake = this.armed.get(instance.id);
      this.armed.delete(instance.id);
      if (wake !== undefined) await this.scheduling.cancelWake(instance.id, wake);
      const settled = record.type === 'SagaAdvanced' ? settledBy(record.data.trigger).wait : undefined;
      for (const w of before?.waits ?? []) if (w.key !== settled) await this.scheduling.cancelWait(instance.id, w);
      await this.store.append(this.indexStream, [{ type: 'SagaClosed', data: { sagaId: instance.id, status: instance.status } }]);
      return instance;
    }
    this.cache.set(instance.id, instance);
    if (record.type === 'SagaAdvanced') {
      for (const w of record.data.waits) await this.scheduling.waitFor(instance.id, w, instance.startedAt, this.clock());
    }
    return instance;
  }

  /** Apply the reducer to a trigger and record the result; a reducer that throws fails the saga. */
  private react(instance: SagaInstance, trigger: StoredTrigger): Promise<SagaInstance> {
    let record: SagaRecord;
    try {
      record = reactionRecord(this.definitionOf(instance), instance, trigger);
    } catch (error) {
      this.log.error('saga reducer threw; the saga fails and compensates', { sagaId: instance.id, error: String(error) });
      record = {
        type: 'SagaAdvanced',
        data: {
          trigger,
          state: instance.state,
          issued: [],
          timers: [],
          cancelTimers: [],
          waits: [],
          compensations: [],
          complete: false,
          fail: `reducer threw on ${trigger.type}: ${error instanceof Error ? error.message : String(error)}`,
        },
      };
    }
    return this.record(instance, record);
  }

  /** Do the saga's due work until it sleeps or finishes. Runs inside the saga's queue. */
  private async drive(start: SagaInstance): Promise<void> {
    let instance = start;
    for (let conflicts = 0; !this.closed; ) {
      const work = planSaga(instance, this.clock());
      try {
        if (work.kind === 'finished') return;
        if (work.kind === 'sleep') {
          if (work.wakeAt !== undefined && this.armed.get(instance.id) !== work.wakeAt) {
            await this.scheduling.wakeAt(instance.id, work.wakeAt);
            this.armed.set(instance.id, work.wakeAt);
          }
          return;
        }
        instance = await this.doWork(instance, work);
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || ++conflicts > 5) throw error;
        const fresh = await this.load(instance.id);
        if (fresh === undefined) return;
        instance = fresh;
      }
    }
  }

  private async doWork(instance: SagaInstance, work: Exclude<SagaWork, { kind: 'sleep' | 'finished' }>): Promise<SagaInstance> {
    const definition = this.definitionOf(instance);
    switch (work.kind) {
      case 'timer':
        return this.react(instance, { type: 'TimerFired', data: { name: work.name }, at: this.clock() });
      case 'stepDeadline':
        return this.react(instance, {
          type: 'StepFailed',
          data: {
            step: work.step,
            command: work.command,
            error: { code: 'DEADLINE_EXCEEDED', message: `step ${work.step} (${work.command.type}) passed its deadline` },
            attempts: work.attempts,
          },
          at: this.clock(),
        });
      case 'execute': {
        const outcome = await this.run({
          command: work.command,
          sagaId: instance.id,
          sagaType: instance.type,
          kind: 'step',
          step: work.step,
          idempotencyKey: work.idempotencyKey,
          attempt: work.attempt,
          deadline: work.deadline,
        });
        const now = this.clock();
        if (outcome.ok) {
          return this.react(instance, { type: 'StepSucceeded', data: { step: work.step, command: work.command, result: outcome.result }, at: now });
        }
        const policy = stepPolicyFor(definition, work.command).retry ?? defaultStepRetry;
        const decision = decideRetry(policy, work.attempt, outcome.error, now, this.random(), work.deadline);
        if ('retryAt' in decision) {
          return this.record(instance, {
            type: 'SagaStepAttemptFailed',
            data: { step: work.step, attempt: work.attempt, error: outcome.error, retryAt: decision.retryAt, at: now },
          });
        }
        return this.react(instance, {
          type: 'StepFailed',
          data: { step: work.step, command: work.command, error: decision.giveUp, attempts: work.attempt },
          at: now,
        });
      }
      case 'compensate': {
        const deadlineMs = definition.compensation?.deadlineMs ?? defaultStepDeadlineMs;
        const outcome = await this.run({
          command: work.command,
          sagaId: instance.id,
          sagaType: instance.type,
          kind: 'compensation',
          step: work.index,
          idempotencyKey: work.idempotencyKey,
          attempt: work.attempt,
          deadline: this.clock() + deadlineMs,
        });
        const now = this.clock();
        if (outcome.ok) return this.record(instance, { type: 'SagaCompensated', data: { index: work.index, at: now } });
        const policy = definition.compensation?.retry ?? defaultCompensationRetry;
        const decision = decideRetry(policy, work.attempt, outcome.error, now, this.random());
        if ('retryAt' in decision) {
          return this.record(instance, {
            type: 'SagaCompensationAttemptFailed',
            data: { index: work.index, attempt: work.attempt, error: outcome.error, retryAt: decision.retryAt, at: now },
          });
        }
        this.log.error('saga compensation gave up; the saga needs an operator', { sagaId: instance.id, index: work.index });
        return this.record(instance, { type: 'SagaCompensationGaveUp', data: { index: work.index, error: decision.giveUp, at: now } });
      }
    }
  }

  /** Run one command against its deadline; never throws. */
  private async run(message: SagaCommandMessage): Promise<{ ok: true; result: unknown } | { ok: false; error: SerializedError }> {
    let cancel: (() => void) | undefined;
    let outcome: { ok: true; result: unknown } | { ok: false; error: SerializedError };
    try {
      const result = await Promise.race([
        this.execute(message),
        new Promise<never>((_, reject) => {
          cancel = this.setTimer(message.deadline, () =>
            reject(new LucentError('DEADLINE_EXCEEDED', `${message.command.type} did not finish before its deadline`)),
          );
        }),
      ]);
      // Stored as JSON: what the reducer sees now is what a reader of the stream sees later.
      outcome = { ok: true, result: result === undefined ? null : (JSON.parse(JSON.stringify(result)) as unknown) };
    } catch (error) {
      outcome = { ok: false, error: sagaErrorOf(error) };
    } finally {
      cancel?.();
    }
    this.hooks.afterExecute?.(message, outcome.ok);
    return outcome;
  }
}
