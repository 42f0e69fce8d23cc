// The scope a service call runs in: who it is for (business metadata) and which operation it belongs to (correlation, causation, trace).
import { randomUUID } from 'node:crypto';
import type { BusinessMetadata } from '@lucent/core';
import type { Placement } from '../invoker/invoker.js';

/** Where one function call of a service ran, and which function and version answered it. */
export interface ServicePlacement extends Placement {
  readonly function: string;
}

/**
 * One request's facts, carried by a scoped view of a service (never stored on the shared instance,
 * so concurrent requests cannot see each other's). Business fields come from verified claims.
 */
export interface ServiceScope {
  readonly business: BusinessMetadata;
  /** Ties the logs, calls and events of one business operation together (an HTTP request's `x-correlation-id`). */
  readonly correlationId?: string;
  /** What caused the work in this scope (a request, command or event id); events published in it carry it. */
  readonly causationId?: string;
  /** W3C trace context of the caller, when it sent one. */
  readonly traceparent?: string;
  /**
   * Told after each function call made in this scope (services it requests included) has succeeded:
   * an HTTP route answers it as `x-lucent-shard` / `x-lucent-version`. Must not throw.
   */
  readonly placed?: (where: ServicePlacement) => void;
}

export interface ScopeInit {
  readonly business?: BusinessMetadata;
  readonly correlationId?: string | undefined;
  readonly causationId?: string | undefined;
  readonly traceparent?: string | undefined;
  readonly placed?: ((where: ServicePlacement) => void) | undefined;
}

/** The scope of an unscoped (root) service: no business, and each call or publish gets ids of its own. */
export const rootScope: ServiceScope = Object.freeze({ business: Object.freeze({}) });

/**
 * A request's scope: the correlation id given (or a new one), the causation id given (or the
 * correlation id: the request caused itself). Frozen, business included.
 */
export function serviceScope(init: ScopeInit = {}): ServiceScope {
  const correlationId = init.correlationId ?? randomUUID();
  return Object.freeze({
    business: Object.freeze({ ...init.business }),
    correlationId,
    causationId: init.causationId ?? correlationId,
    ...(init.traceparent !== undefined && { traceparent: init.traceparent }),
    ...(init.placed !== undefined && { placed: init.placed }),
  });
}

/** The business fields that identify who a log line or an event is for (string-valued only). */
export function businessFields(business: BusinessMetadata): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(business)) if (typeof value === 'string') fields[key] = value;
  return fields;
}
