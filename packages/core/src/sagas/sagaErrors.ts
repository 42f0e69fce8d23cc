// Typed errors of sagas: an unknown saga type at start, an unknown saga id at query.
import { LucentError } from '../errors/errors.js';

/** `start` named a saga type no definition is registered for; nothing was stored. */
export class SagaTypeUnknownError extends LucentError {
  constructor(sagaType: string, known: readonly string[]) {
    super('SAGA_TYPE_UNKNOWN', `No saga type ${JSON.stringify(sagaType)} is registered (known: ${known.join(', ') || 'none'})`, {
      sagaType,
      known: [...known],
    });
  }
}

/** A query or delivery named a saga id that has no stream. */
export class SagaNotFoundError extends LucentError {
  constructor(sagaId: string) {
    super('SAGA_NOT_FOUND', `No saga with id ${JSON.stringify(sagaId)} exists`, { sagaId });
  }
}
