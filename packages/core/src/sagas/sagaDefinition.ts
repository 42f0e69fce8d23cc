// A saga as a pure reducer: (state, event) → { state, commands, timers, waits, compensations }, plus its step policies.
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { DomainEvent } from '../context/functionContext.js';
import type { RetryPolicy } from '../retry/retryPolicy.js';
import type { SerializedError } from '../errors/errors.js';

/** A command a saga asks the shell to run: plain data naming its handler by `type`. */
export interface SagaCommand {
  readonly type: string;
}

/**
 * A timer the saga wants armed, as data. `afterMs` counts from the time of the event being
 * reacted to, so the reducer needs no clock. A timer with a name already armed replaces it.
 */
export interface TimerRequest {
  readonly name: string;
  readonly afterMs: number;
}

/** A condition on one top-level field of an outside event's payload. */
export interface FieldCondition {
  readonly eq?: string | number | boolean | null;
  readonly gte?: number;
  readonly lte?: number;
}

/**
 * A wait for an outside event (a blockchain confirmation, a callback), as data: matched by
 * `key`, optionally only by a payload satisfying `where`, given up after `timeoutMs`.
 * Arrivals since the saga started count, including those before the wait was requested.
 */
export interface WaitRequest {
  readonly key: string;
  readonly timeoutMs: number;
  readonly where?: Readonly<Record<string, FieldCondition>>;
}

/** What the reducer returns for one event. Everything but `state` is optional. */
export interface SagaReaction<S, C extends SagaCommand> {
  readonly state: S;
  /** Commands to run now; each becomes a numbered step (the runner numbers them, never the author). */
  readonly commands?: readonly C[];
  readonly timers?: readonly TimerRequest[];
  /** Names of armed timers to drop. */
  readonly cancelTimers?: readonly string[];
  readonly waits?: readonly WaitRequest[];
  /** Undo actions for work now done; on failure they run newest first, each exactly once. */
  readonly compensations?: readonly C[];
  /** The saga reached its goal; anything still armed is dropped. */
  readonly complete?: boolean;
  /** The saga gives up: recorded compensations run in reverse order. */
  readonly fail?: string;
}

/** Events every saga receives from its runner; `at` is the clock reading of the event (epoch ms). */
export type SagaLifecycleEvent<I, C extends SagaCommand> =
  | { readonly type: 'SagaStarted'; readonly data: I; readonly at: number }
  | {
      readonly type: 'StepSucceeded';
      readonly data: { readonly step: number; readonly command: C; readonly result: unknown };
      readonly at: number;
    }
  | {
      readonly type: 'StepFailed';
      readonly data: { readonly step: number; readonly command: C; readonly error: SerializedError; readonly attempts: number };
      readonly at: number;
    }
  | { readonly type: 'TimerFired'; readonly data: { readonly name: string }; readonly at: number }
  | { readonly type: 'WaitMatched'; readonly data: { readonly key: string; readonly payload: unknown }; readonly at: number }
  | { readonly type: 'WaitTimedOut'; readonly data: { readonly key: string }; readonly at: number };

/** What the reducer sees: lifecycle events plus the saga's own domain events delivered to it. */
export type SagaEvent<I, C extends SagaCommand, E extends DomainEvent = never> =
  | SagaLifecycleEvent<I, C>
  | (E & { readonly at: number });

/** How one kind of step is retried and how long it may take in all. */
export interface StepPolicy {
  readonly retry?: RetryPolicy;
  /** Time from the step's issue to giving up on it, retries included. */
  readonly deadlineMs?: number;
}

export interface SagaDefinition<I, S, C extends SagaCommand, E extends DomainEvent = never> {
  /** Stable name of the saga type: what `start` is called with and what the stream records. */
  readonly type: string;
  /** Contract of the start input; a bad input is refused before anything is stored. */
  readonly input?: StandardSchemaV1<unknown, I>;
  initialState(input: I): S;
  react(state: S, event: SagaEvent<I, C, E>): SagaReaction<S, C>;
  /** Policy of every step unless `stepPolicies` names its command type. */
  readonly steps?: StepPolicy;
  readonly stepPolicies?: Readonly<Partial<Record<C['type'], StepPolicy>>>;
  /** Policy of compensations (they get more patience by default: undoing must not be given up lightly). */
  readonly compensation?: StepPolicy;
}

/** Any saga definition, for registries that hold several types. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySagaDefinition = SagaDefinition<any, any, SagaCommand, any>;

/** Identity with inference: `defineSaga({ type, initialState, react })`. */
export function defineSaga<I, S, C extends SagaCommand, E extends DomainEvent = never>(
  definition: SagaDefinition<I, S, C, E>,
): SagaDefinition<I, S, C, E> {
  return definition;
}
