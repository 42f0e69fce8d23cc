// Injection tokens for Lucent's NestJS integration (explicit, so DI works without decorator metadata).
/** The Invoker LucentModule was given: what the controllers (and an app's own providers) call functions through. */
export const LUCENT_INVOKER = Symbol.for('lucent.Invoker');
/** @deprecated The same token as `LUCENT_INVOKER`; it now holds any Invoker, not only a FunctionManager. */
export const FUNCTION_MANAGER = LUCENT_INVOKER;
/** The CallContextResolver LucentModule built from its `auth` option. */
export const CALL_CONTEXT_RESOLVER = Symbol.for('lucent.CallContextResolver');
/** The OpenAPI document's title, version and servers, as LucentModule was given them. */
export const OPENAPI_OPTIONS = Symbol.for('lucent.OpenApiOptions');
/** The Logger the HTTP layer writes server errors to (LucentModule `logger`; pino on stdout by default). */
export const LUCENT_LOGGER = Symbol.for('lucent.Logger');
/** The RateLimits LucentModule was given (`rateLimits`): POST /functions/:name spends the caller's budget. */
export const RATE_LIMITS = Symbol.for('lucent.RateLimits');
