// What a route states (contracts, roles, status, refusals) and where @LucentRoute leaves it for the guard and the OpenAPI document.
import type { Contract } from '@lucent/core';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteSpec {
  /** One line for the OpenAPI document. */
  readonly summary: string;
  /** OpenAPI tag (default the path's first segment). */
  readonly tag?: string;
  /** Contract of the path parameters, an object keyed by their names. */
  readonly params?: Contract;
  /** Contract of the query string. */
  readonly query?: Contract;
  /**
   * Contract of the request headers the route reads (lower-case names; other headers pass):
   * checked, documented as header parameters, but not replaced on the request.
   */
  readonly headers?: Contract;
  /** Contract of the JSON body; a route without one takes no body (anything sent is refused). */
  readonly body?: Contract;
  /** The body may be left out: it is then checked (and handed over) as `{}`, and documented as not required. */
  readonly bodyOptional?: boolean;
  /** Contract of the success answer's JSON body: the schema of the success response in OpenAPI. */
  readonly response?: Contract;
  /**
   * With auth on, the caller needs one of these roles (403 otherwise). Without the option any
   * verified caller may call; with auth off nobody is checked (the embedded default).
   */
  readonly roles?: readonly string[];
  /** No token needed even with auth on: documentation, health and metrics only. */
  readonly public?: boolean;
  /** Success status (default 200). */
  readonly status?: number;
  /**
   * The success answer carries `x-lucent-shard` and `x-lucent-version`, naming where the route's
   * function calls ran (the handler sets them): documented on the success response.
   */
  readonly answersPlacement?: boolean;
  /** Refusals the handler itself can give besides 400/401/403, by status: documented in OpenAPI. */
  readonly refusals?: Readonly<Record<number, string>>;
}

export interface RegisteredRoute extends RouteSpec {
  readonly method: HttpMethod;
  /** The path as given to the decorator, NestJS style (`positions/:id`). */
  readonly path: string;
}

/** Where the decorator leaves the route's spec on its handler. */
export const ROUTE_SPEC = Symbol.for('lucent.routeSpec');
