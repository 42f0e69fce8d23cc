// Which errors a resilience policy retries and which ones count against a breaker: an answer is never either.
import { isLucentError, type ErrorCode } from '@lucent/core';
import { BrokenCircuitError, BulkheadRejectedError, IsolatedCircuitError, TaskCancelledError } from 'cockatiel';

/** Codes that say the dependency did not answer: worth another try, and a mark against its breaker. */
const transientCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['UNAVAILABLE', 'DEADLINE_EXCEEDED']);

/** Node socket errors of a connection that failed or dropped (the `code` of a system error). */
const transientSocketCodes: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/** PostgreSQL SQLSTATEs of a lost or refused connection: class 08, and 57P01-57P03 (server shutting down or starting). */
const isTransientSqlState = (code: string): boolean => /^08[0-9A-Z]{3}$/.test(code) || /^57P0[1-3]$/.test(code);

/**
 * The dependency did not answer: a Lucent UNAVAILABLE or DEADLINE_EXCEEDED, a policy timeout, a
 * dropped or refused socket, a PostgreSQL connection error. Never a validation failure, a domain
 * refusal (RULE_VIOLATED), a version conflict or a refused circuit (retrying an open breaker only
 * hammers it). An error chaos injected (`details.chaos`) is transient whatever its code.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof TaskCancelledError) return true;
  if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError || error instanceof BulkheadRejectedError) return false;
  if (isLucentError(error)) {
    // An injected fault stands for a passing failure: the policy under test should retry it.
    if (typeof error.details?.['chaos'] === 'string') return true;
    return transientCodes.has(error.code) && error.details?.['reason'] !== 'circuit-open';
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return transientSocketCodes.has(code) || isTransientSqlState(code);
}

/**
 * A failure of the dependency (counts against its breaker): anything but a Lucent error that is
 * an answer. A bug (TypeError) counts too, since the breaker's job is to stop calling what does
 * not work; a validation failure or a domain refusal does not, since the dependency answered.
 */
export function isDependencyFailure(error: unknown): boolean {
  if (isLucentError(error)) return transientCodes.has(error.code) || error.code === 'FUNCTION_FAILED';
  return true;
}
