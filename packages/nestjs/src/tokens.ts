// Injection tokens for Lucent's NestJS integration (explicit, so DI works without decorator metadata).
export const FUNCTION_MANAGER = Symbol.for('lucent.FunctionManager');
/** The CallContextResolver LucentModule built from its `auth` option. */
export const CALL_CONTEXT_RESOLVER = Symbol.for('lucent.CallContextResolver');
/** The OpenAPI document's title, version and servers, as LucentModule was given them. */
export const OPENAPI_OPTIONS = Symbol.for('lucent.OpenApiOptions');
/** The Logger the HTTP layer writes server errors to (LucentModule `logger`; pino on stdout by default). */
export const LUCENT_LOGGER = Symbol.for('lucent.Logger');
