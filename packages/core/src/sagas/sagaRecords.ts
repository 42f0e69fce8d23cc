// The events a saga's own stream records: what the runner did and what the reducer decided, never replayed code.
import type { SerializedError } from '../errors/errors.js';
import type { FieldCondition, SagaCommand } from './sagaDefinition.js';

/** A step as issued: its number (assigned by the machine), command and absolute deadline. */
export interface IssuedStep<C extends SagaCommand = SagaCommand> {
  readonly step: number;
  readonly command: C;
  readonly deadline: number;
}

export interface ArmedTimer {
  readonly name: string;
  readonly dueAt: number;
}

export interface ArmedWait {
  readonly key: string;
  readonly registeredAt: number;
  readonly dueAt: number;
  readonly where?: Readonly<Record<string, FieldCondition>>;
}

/** The trigger a reaction answered, as stored (lifecycle events or a delivered domain event). */
export interface StoredTrigger {
  readonly type: string;
  readonly data: unknown;
  readonly at: number;
}

export type SagaRecord<C extends SagaCommand = SagaCommand> =
  | { readonly type: 'SagaStarted'; readonly data: { readonly sagaType: string; readonly input: unknown; readonly at: number } }
  | {
      readonly type: 'SagaAdvanced';
      readonly data: {
        readonly trigger: StoredTrigger;
        readonly state: unknown;
        readonly issued: readonly IssuedStep<C>[];
        readonly timers: readonly ArmedTimer[];
        readonly cancelTimers: readonly string[];
        readonly waits: readonly ArmedWait[];
        readonly compensations: readonly C[];
        readonly complete: boolean;
        readonly fail?: string;
      };
    }
  | {
      readonly type: 'SagaStepAttemptFailed';
      readonly data: { readonly step: number; readonly attempt: number; readonly error: SerializedError; readonly retryAt: number; readonly at: number };
    }
  | { readonly type: 'SagaCompensated'; readonly data: { readonly index: number; readonly at: number } }
  | {
      readonly type: 'SagaCompensationAttemptFailed';
      readonly data: { readonly index: number; readonly attempt: number; readonly error: SerializedError; readonly retryAt: number; readonly at: number };
    }
  | { readonly type: 'SagaCompensationGaveUp'; readonly data: { readonly index: number; readonly error: SerializedError; readonly at: number } };

export type SagaRecordType = SagaRecord['type'];

export const sagaRecordTypes: readonly SagaRecordType[] = [
  'SagaStarted',
  'SagaAdvanced',
  'SagaStepAttemptFailed',
  'SagaCompensated',
  'SagaCompensationAttemptFailed',
  'SagaCompensationGaveUp',
];
