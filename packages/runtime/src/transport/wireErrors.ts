// Typed errors across the wire: rebuild the thrower's LucentError subclass on the caller, and name transport failures.
import {
  ConcurrencyError,
  DeadlineExceededError,
  FunctionDisabledError,
  FunctionFailedError,
  FunctionNotFoundError,
  JurisdictionDeniedError,
  LucentError,
  RuleViolationError,
  errorFromJSON,
  type SerializedError,
} from '@lucent/core';

const text = (v: unknown): string => (typeof v === 'string' ? v : String(v ?? ''));

function rebuild(e: SerializedError): LucentError {
  const d = e.details ?? {};
  switch (e.code) {
    case 'DEADLINE_EXCEEDED':
      return new DeadlineExceededError(text(d['name']), Number(d['deadline']));
    case 'FUNCTION_NOT_FOUND':
      return new FunctionNotFoundError(text(d['name']), d['version'] === undefined ? undefined : text(d['version']));
    case 'FUNCTION_DISABLED':
      return new FunctionDisabledError(text(d['name']));
    case 'FUNCTION_FAILED':
      return new FunctionFailedError(text(d['name']), new Error(text(d['reason'] ?? e.message)));
    case 'JURISDICTION_DENIED':
      return new JurisdictionDeniedError(text(d['name']), d['jurisdiction'] == null ? undefined : text(d['jurisdiction']));
    case 'VERSION_CONFLICT':
      return new ConcurrencyError(text(d['stream']), d['expected'] as string | number, Number(d['actual']));
    case 'RULE_VIOLATED': {
      const { rule, ...rest } = d;
      return new RuleViolationError(text(rule), e.message, rest);
    }
    default:
      return errorFromJSON(e);
  }
}

/**
 * The same subclass, code, message and details the shard threw, so `instanceof` and `code`
 * checks behave as they would in process.
 */
export function reviveError(e: SerializedError): LucentError {
  const error = rebuild(e);
  if (error.message !== e.message) Object.defineProperty(error, 'message', { value: e.message, configurable: true, writable: true });
  if (e.details !== undefined && error.details !== e.details) {
    Object.defineProperty(error, 'details', { value: e.details, configurable: true, writable: true });
  }
  return error;
}

/** The wire form of anything a handler threw: a LucentError keeps its code, anything else is FUNCTION_FAILED. */
export function serializeError(error: unknown, functionName: string): SerializedError {
  if (error instanceof LucentError) return error.toJSON();
  return new FunctionFailedError(functionName, error).toJSON();
}

/** A shard that did not answer: nobody serves it, or the connection to it is gone. The caller may try another. */
export function shardUnavailable(shardId: string, why: string): LucentError {
  return new LucentError('UNAVAILABLE', `Shard ${shardId} is unavailable: ${why}`, { shardId, reason: why });
}

/** No reply from this shard before the attempt's limit (not necessarily the caller's deadline). */
export function noReplyInTime(shardId: string, name: string, waitUntil: number): LucentError {
  const error = new DeadlineExceededError(name, waitUntil);
  Object.defineProperty(error, 'details', { value: { name, deadline: waitUntil, shardId }, configurable: true });
  return error;
}

/** Transport failures mean "this shard did not answer"; every other error is the function's own verdict. */
export function isTransportFailure(error: unknown): boolean {
  return error instanceof LucentError && (error.code === 'UNAVAILABLE' || error.code === 'DEADLINE_EXCEEDED');
}
