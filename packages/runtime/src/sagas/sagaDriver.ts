// Moves one saga forward inside its queue: records each decision in its stream, arms what it waits for, and does its due work until it sleeps or finishes.
import {
  ConcurrencyError,
  LucentError,
  evolveSaga,
  isFinished,
  planSaga,
  reactionRecord,
  settledBy,
  type AnySagaDefinition,
  type Logger,
  type SagaInstance,
  type SagaRecord,
  type SagaWork,
  type StoredTrigger,
} from '@lucent/core';
import { compensate } from './sagaCompensation.js';
import type { SagaIndex } from './sagaIndex.js';
import type { SagaScheduling } from './sagaScheduling.js';
import { executeStep, stepDeadlinePassed, type SagaWorkContext } from './sagaStepExecution.js';
import type { SagaStreams } from './sagaStreams.js';
import type { SagaWakeTimers } from './sagaWakeTimers.js';
import type { SagaCommandMessage } from './sagaCommandMessage.js';

/** Test hooks: called synchronously at the two points where a crash is most interesting. */
export interface SagaRunnerHooks {
  /** A command ran (or failed) and its outcome is not recorded yet. */
  afterExecute?(message: SagaCommandMessage, ok: boolean): void;
  /** A record was appended to a saga's stream. */
  afterRecord?(sagaId: string, record: SagaRecord): void;
}

export interface SagaDriverParts {
  readonly streams: SagaStreams;
  readonly index: SagaIndex;
  readonly wakes: SagaWakeTimers;
  readonly scheduling: Pick<SagaScheduling, 'waitFor' | 'cancelWait'>;
  readonly work: SagaWorkContext;
  readonly definitionOf: (instance: SagaInstance) => AnySagaDefinition;
  readonly log: Logger;
  readonly hooks: SagaRunnerHooks;
}

/** Record-and-continue for every saga of one runner; every method runs inside the saga's queue. */
export class SagaDriver {
  /** No further step is taken (close or halt). */
  closed = false;
  /** Nothing more is written (halt: what a crash looks like). */
  halted = false;

  constructor(private readonly parts: SagaDriverParts) {}

  /** Append a record at the instance's version; a rival writer makes us reload and re-plan. */
  async record(instance: SagaInstance, record: SagaRecord): Promise<SagaInstance> {
    if (this.halted) throw new LucentError('UNAVAILABLE', 'this saga runner was halted');
    try {
      await this.parts.streams.append(instance, record);
    } catch (error) {
      // A rival writer got in first: the cached copy is stale, and the next load reads the stream.
      if (error instanceof ConcurrencyError) this.parts.streams.forget(instance.id);
      throw error;
    }
    const next = evolveSaga(instance, record);
    this.parts.hooks.afterRecord?.(instance.id, record);
    return this.afterRecorded(next, record, instance);
  }

  /** Bookkeeping after a record: arm new waits; for a finished saga drop what it no longer needs and close it. */
  async afterRecorded(instance: SagaInstance, record: SagaRecord, before?: SagaInstance): Promise<SagaInstance> {
    const { streams, scheduling } = this.parts;
    if (isFinished(instance.status)) {
      streams.forget(instance.id);
      if (this.parts.wakes.armedAt(instance.id) !== undefined) await this.parts.wakes.disarm(instance.id);
      const settled = record.type === 'SagaAdvanced' ? settledBy(record.data.trigger).wait : undefined;
      for (const w of before?.waits ?? []) if (w.key !== settled) await scheduling.cancelWait(instance.id, w);
      await this.parts.index.closed(instance.id, instance.status);
      return instance;
    }
    streams.remember(instance);
    if (record.type === 'SagaAdvanced') {
      for (const w of record.data.waits) await scheduling.waitFor(instance.id, w, instance.startedAt, this.parts.work.clock());
    }
    return instance;
  }

  /** Apply the reducer to a trigger and record the result; a reducer that throws fails the saga. */
  react(instance: SagaInstance, trigger: StoredTrigger): Promise<SagaInstance> {
    let record: SagaRecord;
    try {
      record = reactionRecord(this.parts.definitionOf(instance), instance, trigger);
    } catch (error) {
      this.parts.log.error('saga reducer threw; the saga fails and compensates', { sagaId: instance.id, error: String(error) });
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

  /** Do the saga's due work until it sleeps or finishes; up to 5 write conflicts reload it and go on. */
  async drive(start: SagaInstance): Promise<void> {
    let instance = start;
    for (let conflicts = 0; !this.closed; ) {
      const work = planSaga(instance, this.parts.work.clock());
      try {
        if (work.kind === 'finished') return;
        if (work.kind === 'sleep') {
          if (work.wakeAt !== undefined) await this.parts.wakes.arm(instance.id, work.wakeAt);
          return;
        }
        instance = await this.doWork(instance, work);
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || ++conflicts > 5) throw error;
        const fresh = await this.parts.streams.load(instance.id);
        if (fresh === undefined) return;
        instance = fresh;
      }
    }
  }

  private async doWork(instance: SagaInstance, work: Exclude<SagaWork, { kind: 'sleep' | 'finished' }>): Promise<SagaInstance> {
    const definition = this.parts.definitionOf(instance);
    const ctx = this.parts.work;
    switch (work.kind) {
      case 'timer':
        return this.react(instance, { type: 'TimerFired', data: { name: work.name }, at: ctx.clock() });
      case 'stepDeadline':
        return this.react(instance, stepDeadlinePassed(work, ctx.clock()));
      case 'execute': {
        const result = await executeStep(ctx, definition, instance, work);
        return 'react' in result ? this.react(instance, result.react) : this.record(instance, result.record);
      }
      case 'compensate':
        return this.record(instance, await compensate(ctx, this.parts.log, definition, instance, work));
    }
  }
}
