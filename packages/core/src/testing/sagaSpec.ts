// A pure scenario driver for saga reducers: start, answer steps, fire timers and waits, and read commands and state — no runner.
import type { DomainEvent } from '../context/functionContext.js';
import type { SerializedError } from '../errors/errors.js';
import type { SagaCommand, SagaDefinition } from '../sagas/sagaDefinition.js';
import { evolveSaga, type SagaInstance } from '../sagas/sagaInstance.js';
import { reactionRecord } from '../sagas/sagaReaction.js';
import type { IssuedStep, SagaRecord, StoredTrigger } from '../sagas/sagaRecords.js';
import { compensationOrder } from '../sagas/compensationOrder.js';

export interface SagaScenario<S, C extends SagaCommand, E extends DomainEvent> {
  readonly instance: SagaInstance<S, C>;
  readonly state: S;
  /** Every command issued so far, in order, with its step number. */
  readonly issued: readonly IssuedStep<C>[];
  /** Records the scenario produced, as the runner would store them. */
  readonly records: readonly SagaRecord<C>[];
  /** Compensations the runner would now run, in the order it would run them. */
  compensationsToRun(): C[];
  /** The step in flight running a command of this type (the oldest when several). */
  step(type: C['type']): IssuedStep<C>;
  succeed(type: C['type'], result?: unknown, at?: number): this;
  fail(type: C['type'], error: SerializedError, at?: number): this;
  fireTimer(name: string, at?: number): this;
  matchWait(key: string, payload: unknown, at?: number): this;
  timeOutWait(key: string, at?: number): this;
  deliver(event: E, at?: number): this;
}

/**
 * ```ts
 * const s = sagaScenario(deposit, input).succeed('ReserveFunds', { reservationId: 'r1' });
 * expect(s.issued.map((i) => i.command.type)).toEqual(['ReserveFunds', 'SubmitDeposit']);
 * ```
 * Each call applies one event through the same pure machine the runner uses. Times default
 * to the last event's time; pass `at` to move on.
 */
export function sagaScenario<I, S, C extends SagaCommand, E extends DomainEvent = never>(
  definition: SagaDefinition<I, S, C, E>,
  input: I,
  options: { readonly id?: string; readonly at?: number } = {},
): SagaScenario<S, C, E> {
  const id = options.id ?? 'saga-1';
  const startedAt = options.at ?? 0;
  const records: SagaRecord<C>[] = [];
  const issued: IssuedStep<C>[] = [];
  let instance: SagaInstance = evolveSaga(undefined, { type: 'SagaStarted', data: { sagaType: definition.type, input, at: startedAt } }, id);
  records.push({ type: 'SagaStarted', data: { sagaType: definition.type, input, at: startedAt } });

  const apply = (trigger: StoredTrigger): void => {
    const record = reactionRecord(definition as never, instance, trigger) as SagaRecord<C>;
    records.push(record);
    if (record.type === 'SagaAdvanced') issued.push(...record.data.issued);
    instance = evolveSaga(instance, record as SagaRecord);
  };
  apply({ type: 'SagaStarted', data: input, at: startedAt });

  const when = (at: number | undefined): number => at ?? instance.updatedAt;
  const scenario: SagaScenario<S, C, E> = {
    get instance() {
      return instance as SagaInstance<S, C>;
    },
    get state() {
      return instance.state as S;
    },
    issued,
    records,
    compensationsToRun() {
      return compensationOrder(instance.compensations as C[]).slice(instance.compensated);
    },
    step(type) {
      const s = (instance.steps as readonly IssuedStep[] as readonly IssuedStep<C>[]).find((p) => p.command.type === type);
      if (s === undefined) throw new Error(`No ${String(type)} step is in flight (status ${instance.status})`);
      return s;
    },
    succeed(type, result = null, at) {
      const s = scenario.step(type);
      apply({ type: 'StepSucceeded', data: { step: s.step, command: s.command, result }, at: when(at) });
      return scenario;
    },
    fail(type, error, at) {
      const s = scenario.step(type);
      apply({ type: 'StepFailed', data: { step: s.step, command: s.command, error, attempts: 1 }, at: when(at) });
      return scenario;
    },
    fireTimer(name, at) {
      apply({ type: 'TimerFired', data: { name }, at: when(at) });
      return scenario;
    },
    matchWait(key, payload, at) {
      apply({ type: 'WaitMatched', data: { key, payload }, at: when(at) });
      return scenario;
    },
    timeOutWait(key, at) {
      apply({ type: 'WaitTimedOut', data: { key }, at: when(at) });
      return scenario;
    },
    deliver(event, at) {
      apply({ type: event.type, data: event.data, at: when(at) });
      return scenario;
    },
  };
  return scenario;
}
