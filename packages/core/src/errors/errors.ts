// Typed errors with stable codes; every boundary (HTTP, NATS, CLI) maps them from here.

export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'FUNCTION_NOT_FOUND'
  | 'FUNCTION_DISABLED'
  | 'DEADLINE_EXCEEDED'
  | 'FUNCTION_FAILED'
  | 'JURISDICTION_DENIED'
  | 'VERSION_CONFLICT'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'UNAVAILABLE'
  | 'CONFLICT'
  | 'RULE_VIOLATED'
  | 'SCHEDULE_INVALID'
  | 'CONTRACT_INCOMPATIBLE'
  | 'REGISTRY_CONFLICT'
  | 'BUNDLE_REJECTED'
  | 'SAGA_TYPE_UNKNOWN'
  | 'SAGA_NOT_FOUND'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'DUPLICATE_EVENT_ID'
  | 'DATA_DIRECTORY_LOCKED'
  | 'RATE_LIMITED';

/** One problem found in an input or output: where (a dotted path) and why. */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

export interface SerializedError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

export class LucentError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }

  toJSON(): SerializedError {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export class ValidationError extends LucentError {
  readonly issues: readonly FieldIssue[];
  readonly where: 'input' | 'output' | 'command' | 'event' | 'config';

  constructor(where: ValidationError['where'], subject: string, issues: readonly FieldIssue[]) {
    const first = issues[0];
    const summary = first ? `${first.path || '(root)'}: ${first.message}` : 'invalid value';
    super('VALIDATION_FAILED', `Invalid ${where} for ${subject}: ${summary}`, { where, subject, issues });
    this.issues = issues;
    this.where = where;
  }
}

export class FunctionNotFoundError extends LucentError {
  constructor(name: string, version?: string) {
    super(
      'FUNCTION_NOT_FOUND',
      version ? `No function ${name} at version ${version} is registered` : `No function named ${name} is registered`,
      version ? { name, version } : { name },
    );
  }
}

export class FunctionDisabledError extends LucentError {
  constructor(name: string) {
    super('FUNCTION_DISABLED', `Function ${name} is disabled by an operator`, { name });
  }
}

export class DeadlineExceededError extends LucentError {
  constructor(name: string, deadline: number) {
    super('DEADLINE_EXCEEDED', `Function ${name} did not finish before its deadline`, { name, deadline });
  }
}

export class FunctionFailedError extends LucentError {
  constructor(name: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('FUNCTION_FAILED', `Function ${name} threw: ${reason}`, { name, reason }, { cause });
  }
}

export class JurisdictionDeniedError extends LucentError {
  constructor(name: string, jurisdiction: string | undefined) {
    super(
      'JURISDICTION_DENIED',
      `Function ${name} is not available in jurisdiction ${jurisdiction ?? '(unknown)'}`,
      { name, jurisdiction: jurisdiction ?? null },
    );
  }
}

export class ConcurrencyError extends LucentError {
  constructor(stream: string, expected: string | number, actual: number) {
    super('VERSION_CONFLICT', `Stream ${stream} is at version ${actual}, expected ${expected}`, {
      stream,
      expected,
      actual,
    });
  }
}

/**
 * An idempotency key came back with a different request: another stream, or other events (or
 * another idempotency payload). Nothing was written; the key keeps meaning its first request.
 */
export class IdempotencyKeyReusedError extends LucentError {
  constructor(key: string, firstStream: string, stream: string, reason: 'stream' | 'events') {
    super(
      'IDEMPOTENCY_KEY_REUSED',
      reason === 'stream'
        ? `Idempotency key ${key} was first used on stream ${firstStream}, not ${stream}; nothing was written`
        : `Idempotency key ${key} was first used on stream ${firstStream} with other events; nothing was written`,
      { key, stream: firstStream, reason },
    );
  }
}

/** An append carried an event id its stream already holds. Nothing was written. */
export class DuplicateEventIdError extends LucentError {
  constructor(stream: string, eventId: string) {
    super('DUPLICATE_EVENT_ID', `Stream ${stream} already holds an event with id ${eventId}; nothing was written`, { stream, eventId });
  }
}

/** A command the domain refuses in the current state (e.g. borrowing beyond the collateral). */
export class RuleViolationError extends LucentError {
  constructor(rule: string, message: string, details?: Record<string, unknown>) {
    super('RULE_VIOLATED', message, { rule, ...details });
  }
}

/** A registry write raced another one: re-read the rules and retry. */
export class RegistryConflictError extends LucentError {
  constructor(name: string, expected: number, actual: number) {
    super('REGISTRY_CONFLICT', `Rules of ${name} are at revision ${actual}, expected ${expected}; re-read and retry`, {
      name,
      expected,
      actual,
    });
  }
}

/** A version's contract differs from the active one's; activating or weighting it needs force and a reason. */
export class ContractIncompatibleError extends LucentError {
  constructor(name: string, from: string, to: string, reason: string) {
    super(
      'CONTRACT_INCOMPATIBLE',
      `${name}@${to} is not contract-compatible with ${name}@${from} (${reason}); force it with a reason to proceed`,
      { name, from, to, reason },
    );
  }
}

const httpStatusByCode: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  FUNCTION_NOT_FOUND: 404,
  FUNCTION_DISABLED: 403,
  JURISDICTION_DENIED: 403,
  DEADLINE_EXCEEDED: 504,
  FUNCTION_FAILED: 500,
  VERSION_CONFLICT: 409,
  CONFLICT: 409,
  RULE_VIOLATED: 422,
  SCHEDULE_INVALID: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  UNAVAILABLE: 503,
  CONTRACT_INCOMPATIBLE: 409,
  REGISTRY_CONFLICT: 409,
  BUNDLE_REJECTED: 422,
  SAGA_TYPE_UNKNOWN: 400,
  SAGA_NOT_FOUND: 404,
  IDEMPOTENCY_KEY_REUSED: 409,
  DUPLICATE_EVENT_ID: 409,
  DATA_DIRECTORY_LOCKED: 409,
  RATE_LIMITED: 429,
};

/** The one place an error code becomes an HTTP status. */
export function httpStatusFor(code: ErrorCode): number {
  return httpStatusByCode[code];
}

export function isLucentError(value: unknown): value is LucentError {
  return value instanceof LucentError;
}

/** Rebuild a typed error from its wire form (NATS replies, worker messages). */
export function errorFromJSON(e: SerializedError): LucentError {
  if (e.code === 'VALIDATION_FAILED' && e.details && Array.isArray(e.details['issues'])) {
    return new ValidationError(
      (e.details['where'] as ValidationError['where']) ?? 'input',
      String(e.details['subject'] ?? ''),
      e.details['issues'] as FieldIssue[],
    );
  }
  return new LucentError(e.code, e.message, e.details);
}
