// SagaRunner: records each saga's decisions as events in its own stream, runs its steps and compensations, and resumes after a crash.
// A facade: the parts are the saga's stream (sagaStreams) and the index (sagaIndex), the per-saga queue (sagaQueue), its wake-up
// (sagaWakeTimers), the loop that records and plans (sagaDriver), a step with retry (sagaStepExecution), compensation
// (sagaCompensation), a command against its deadline (sagaCommandRun) and resume after a restart (sagaResume).
import { randomUUID } from 'node:crypto';
import {
  ConcurrencyError,
  LucentError,
  SagaNotFoundError,
  SagaTypeUnknownError,
  ValidationError,
  evolveSaga,
  foldSaga,
  payloadSatisfies,
  reactionRecord,
  silentLogger,
  validate,
  type AnySagaDefinition,
  type ArmedWait,
  type DomainEvent,
  type Logger,
  type SagaInstance,
  type SagaRecord,
  type SagaStatus,
  type StepPolicy,
} from '@lucent/core';
import type { CommandBus } from '../cqrs/commandBus.js';
import type { EventStore } from '../eventStore/eventStore.js';
import { checkRetryPolicy } from '../scheduler/retryPolicySchema.js';
import { commandRunner, realTimer } from './sagaCommandRun.js';
import { commandBusExecutor, type SagaCommandExecutor } from './sagaCommandMessage.js';
import { SagaDriver, type SagaRunnerHooks } from './sagaDriver.js';
import { SagaIndex } from './sagaIndex.js';
import { SagaQueues } from './sagaQueue.js';
import { resumeSagas } from './sagaResume.js';
import type { SagaScheduling, WaitArrival } from './sagaScheduling.js';
import { SagaStreams, toRecords } from './sagaStreams.js';
import { SagaWakeTimers } from './sagaWakeTimers.js';

export type { SagaRunnerHooks } from './sagaDriver.js';

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

const idPattern = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$/;
const lifecycleTypes = new Set(['SagaStarted', 'StepSucceeded', 'StepFailed', 'TimerFired', 'WaitMatched', 'WaitTimedOut']);

export class SagaRunner {
  private readonly scheduling: SagaScheduling;
  private readonly definitions = new Map<string, AnySagaDefinition>();
  private readonly clock: () => number;
  private readonly log: Logger;
  private readonly hooks: SagaRunnerHooks;
  private readonly resumeConcurrency: number;
  /** Each saga's stream, and the live instances of unfinished sagas this process works on. */
  private readonly streams: SagaStreams;
  private readonly index: SagaIndex;
  /** Per-saga chain of work, so one saga's records are written one at a time in this process. */
  private readonly queues = new SagaQueues();
  /** The wake-up armed per saga, so an unchanged plan does not arm it again. */
  private readonly wakes: SagaWakeTimers;
  private readonly driver: SagaDriver;

  constructor(options: SagaRunnerOptions) {
    const execute = typeof options.commands === 'function' ? options.commands : commandBusExecutor(options.commands);
    const name = options.name ?? 'saga';
    this.scheduling = options.scheduling;
    this.clock = options.clock ?? Date.now;
    this.log = options.logger ?? silentLogger;
    this.hooks = options.hooks ?? {};
    this.resumeConcurrency = options.resumeConcurrency ?? 32;
    this.streams = new SagaStreams(options.store, name);
    this.index = new SagaIndex(options.store, name, options.indexSnapshotEvery ?? 1_000);
    this.wakes = new SagaWakeTimers(this.scheduling, this.clock);
    const hooks = this.hooks;
    this.driver = new SagaDriver({
      streams: this.streams,
      index: this.index,
      wakes: this.wakes,
      scheduling: this.scheduling,
      work: {
        clock: this.clock,
        random: options.random ?? Math.random,
        runCommand: commandRunner(execute, options.setTimer ?? realTimer(this.clock), (m, ok) => hooks.afterExecute?.(m, ok)),
      },
      definitionOf: (instance) => this.definitionOf(instance),
      log: this.log,
      hooks,
    });
    for (const d of options.sagas ?? []) this.register(d);
    this.scheduling.connect({
      wake: (id) => this.wake(id),
      waitMatched: (m) => this.waitMatched(m),
      waitTimedOut: (id, key, registeredAt) => this.waitTimedOut(id, key, registeredAt),
    });
  }

  register(definition: AnySagaDefinition): this {
    if (this.definitions.has(definition.type)) throw new LucentError('CONFLICT', `Saga type ${definition.type} is already registered`);
    // A bad policy would otherwise surface only when a step first fails, possibly days later.
    const policies: [string, unknown][] = [
      ['steps.retry', definition.steps?.retry],
      ['compensation.retry', definition.compensation?.retry],
      ...Object.entries(definition.stepPolicies ?? {}).map(([command, p]): [string, unknown] => [`stepPolicies.${command}.retry`, (p as StepPolicy | undefined)?.retry]),
    ];
    for (const [path, policy] of policies) if (policy !== undefined) checkRetryPolicy(policy, path, `saga ${definition.type}`);
    this.definitions.set(definition.type, definition);
    return this;
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
    if (await this.streams.exists(id)) return { sagaId: id, created: false };
    await this.index.opened(id, sagaType);
    return this.queues.enqueue(id, async () => {
      try {
        await this.streams.create(id, [startedRecord, first]);
      } catch (error) {
        if (error instanceof ConcurrencyError) return { sagaId: id, created: false };
        throw error;
      }
      let instance = evolveSaga(fresh, first);
      this.hooks.afterRecord?.(id, startedRecord);
      this.hooks.afterRecord?.(id, first);
      instance = await this.driver.afterRecorded(instance, first);
      await this.driver.drive(instance);
      return { sagaId: id, created: true };
    });
  }

  /** Hand a domain event to one saga's reducer. False when the saga has already finished. */
  async deliver(sagaId: string, event: DomainEvent): Promise<boolean> {
    if (typeof event?.type !== 'string' || lifecycleTypes.has(event.type)) {
      throw new ValidationError('input', `saga ${sagaId}`, [{ path: 'type', message: 'must name a domain event, not a lifecycle event' }]);
    }
    return this.queues.enqueue(sagaId, async () => {
      const instance = await this.streams.load(sagaId);
      if (instance === undefined) throw new SagaNotFoundError(sagaId);
      if (instance.status !== 'running') return false;
      await this.driver.drive(await this.driver.react(instance, { type: event.type, data: event.data, at: this.clock() }));
      return true;
    });
  }

  /** Hand in an outside event (a confirmation, a callback) for the saga waits on `key`. */
  signal(key: string, payload: unknown, arrivalId?: string) {
    return this.scheduling.deliver(key, payload, arrivalId);
  }

  /** A saga's state and full history. SagaNotFoundError for an id never started. */
  async get(sagaId: string): Promise<SagaView> {
    const events = await this.streams.history(sagaId);
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
  resume(): Promise<number> {
    return resumeSagas({
      streams: this.streams,
      index: this.index,
      queues: this.queues,
      driver: this.driver,
      scheduling: this.scheduling,
      clock: this.clock,
      log: this.log,
      concurrency: this.resumeConcurrency,
    });
  }

  /** Resolves when no saga work is queued in this process (tests and benchmarks). */
  idle(): Promise<void> {
    return this.queues.idle();
  }

  /** Stop at once: no further step of any saga is taken (what a crash looks like, for test kits). */
  halt(): void {
    this.driver.closed = true;
    this.driver.halted = true;
  }

  /** Stop taking work; work in progress finishes. */
  async close(): Promise<void> {
    this.driver.closed = true;
    await this.idle();
  }

  /** True while saga work is queued or running in this process. */
  get busy(): boolean {
    return this.queues.busy;
  }

  /** Sagas this process holds in memory (unfinished ones it has seen). */
  get activeCount(): number {
    return this.streams.size;
  }

  /** The unfinished sagas this process holds, counted by status (metrics). */
  openByStatus(): Record<string, number> {
    return this.streams.countByStatus();
  }

  private definitionOf(instance: SagaInstance): AnySagaDefinition {
    const d = this.definitions.get(instance.type);
    if (d === undefined) throw new SagaTypeUnknownError(instance.type, [...this.definitions.keys()]);
    return d;
  }

  // ── scheduler callbacks ───────────────────────────────────────────────────────────────

  private wake(sagaId: string): Promise<void> {
    return this.queues.enqueue(sagaId, async () => {
      this.wakes.fired(sagaId);
      const instance = await this.streams.load(sagaId);
      if (instance !== undefined) await this.driver.drive(instance);
    });
  }

  private waitMatched(m: WaitArrival): Promise<void> {
    return this.queues.enqueue(m.sagaId, async () => {
      const instance = await this.streams.load(m.sagaId);
      const wait = instance?.waits.find((w) => w.key === m.key && w.registeredAt === m.registeredAt);
      if (instance === undefined || wait === undefined || instance.status !== 'running') return;
      if (!payloadSatisfies(wait.where, m.payload)) {
        // Not the arrival this wait is for (e.g. too few confirmations yet): wait for the next one.
        await this.scheduling.waitFor(m.sagaId, wait, instance.startedAt, this.clock(), m.attempt + 1);
        return;
      }
      await this.driver.drive(await this.driver.react(instance, { type: 'WaitMatched', data: { key: m.key, payload: m.payload }, at: this.clock() }));
    });
  }

  private waitTimedOut(sagaId: string, key: string, registeredAt: number): Promise<void> {
    return this.queues.enqueue(sagaId, async () => {
      const instance = await this.streams.load(sagaId);
      const wait = instance?.waits.find((w) => w.key === key && w.registeredAt === registeredAt);
      if (instance === undefined || wait === undefined || instance.status !== 'running') return;
      await this.driver.drive(await this.driver.react(instance, { type: 'WaitTimedOut', data: { key }, at: this.clock() }));
    });
  }
}
