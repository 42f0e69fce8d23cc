// LucentModule: mounts an Invoker (local, remote or routed) into a NestJS app with the functions endpoint, caller identity, OpenAPI and error mapping.
import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_FILTER, DiscoveryModule } from '@nestjs/core';
import { LucentError, type Logger } from '@lucent/core';
import type { Invoker, RateLimits } from '@lucent/runtime';
import type { LucentAuthOptions } from './auth/lucentAuth.js';
import { CallContextResolver } from './callContext/callContextResolver.js';
import { LucentCallGuard } from './callContext/lucentCallGuard.js';
import { LucentExceptionFilter } from './errors/lucentExceptionFilter.js';
import { FunctionsController } from './functions/functionsController.js';
import { ApiDocsController } from './openapi/apiDocsController.js';
import { OpenApiController } from './openapi/openApiController.js';
import type { OpenApiInfo } from './openapi/openApiDocument.js';
import { LucentRouteGuard } from './routes/lucentRouteGuard.js';
import { CALL_CONTEXT_RESOLVER, LUCENT_INVOKER, LUCENT_LOGGER, OPENAPI_OPTIONS, RATE_LIMITS } from './tokens.js';

export interface LucentModuleOptions {
  /** How functions run: a FunctionManager (this process), a ClusterClient (shards) or a RoutedInvoker (both). */
  readonly invoker?: Invoker;
  /** @deprecated Use `invoker`; still accepted (any Invoker). */
  readonly manager?: Invoker;
  /**
   * Verify callers' bearer tokens and take userId, accountId, jurisdiction and roles from their
   * claims. Without it every call runs with no identity (the embedded default).
   */
  readonly auth?: LucentAuthOptions;
  /** Expose POST /functions/:name (default true). */
  readonly functionsEndpoint?: boolean;
  /** Serve GET /openapi.json and the Swagger UI at /docs (default true, with these document fields); false turns both off. */
  readonly openApi?: boolean | OpenApiInfo;
  /** Where server errors (every 5xx) are logged with their correlation id, route and stack; pino on stdout by default. */
  readonly logger?: Logger;
  /** Per-user and per-function limits on POST /functions/:name (429 RATE_LIMITED with Retry-After when spent). */
  readonly rateLimits?: RateLimits;
}

@Module({})
export class LucentModule {
  static forRoot(options: LucentModuleOptions): DynamicModule {
    const invoker = options.invoker ?? options.manager;
    if (invoker === undefined) throw new LucentError('VALIDATION_FAILED', 'LucentModule.forRoot needs `invoker` (a FunctionManager, ClusterClient or RoutedInvoker)');
    const providers: Provider[] = [
      { provide: LUCENT_INVOKER, useValue: invoker },
      // Built here, so a bad key or secret fails the boot, not the first request.
      { provide: CALL_CONTEXT_RESOLVER, useValue: new CallContextResolver(options.auth) },
      { provide: OPENAPI_OPTIONS, useValue: typeof options.openApi === 'object' ? options.openApi : {} },
      LucentCallGuard,
      LucentRouteGuard,
      ...(options.logger === undefined ? [] : [{ provide: LUCENT_LOGGER, useValue: options.logger }]),
      { provide: APP_FILTER, useClass: LucentExceptionFilter },
      ...(options.rateLimits === undefined
        ? []
        : [{ provide: RATE_LIMITS, useValue: options.rateLimits }]),
    ];
    const controllers = [
      ...(options.functionsEndpoint === false ? [] : [FunctionsController]),
      ...(options.openApi === false ? [] : [OpenApiController, ApiDocsController]),
    ];
    return {
      module: LucentModule,
      global: true,
      // OpenAPI finds every @LucentRoute of the app through Nest's discovery.
      imports: [DiscoveryModule],
      controllers,
      providers,
      exports: [LUCENT_INVOKER, CALL_CONTEXT_RESOLVER, LucentCallGuard, LucentRouteGuard],
    };
  }
}
