// LucentModule: mounts a FunctionManager into a NestJS app with the functions endpoint, caller identity, OpenAPI and error mapping.
import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { FunctionManager } from '@lucent/runtime';
import type { LucentAuthOptions } from './auth/lucentAuth.js';
import { CallContextResolver } from './callContext/callContextResolver.js';
import { LucentCallGuard } from './callContext/lucentCallGuard.js';
import { LucentExceptionFilter } from './errors/lucentExceptionFilter.js';
import { FunctionsController } from './functions/functionsController.js';
import { OpenApiController } from './openapi/openApiController.js';
import type { OpenApiInfo } from './openapi/openApiDocument.js';
import { CALL_CONTEXT_RESOLVER, FUNCTION_MANAGER, OPENAPI_OPTIONS } from './tokens.js';

export interface LucentModuleOptions {
  readonly manager: FunctionManager;
  /**
   * Verify callers' bearer tokens and take userId, accountId, jurisdiction and roles from their
   * claims. Without it every call runs with no identity (the embedded default).
   */
  readonly auth?: LucentAuthOptions;
  /** Expose POST /functions/:name (default true). */
  readonly functionsEndpoint?: boolean;
  /** Serve GET /openapi.json (default true, with these document fields); false turns it off. */
  readonly openApi?: boolean | OpenApiInfo;
}

@Module({})
export class LucentModule {
  static forRoot(options: LucentModuleOptions): DynamicModule {
    const providers: Provider[] = [
      { provide: FUNCTION_MANAGER, useValue: options.manager },
      // Built here, so a bad key or secret fails the boot, not the first request.
      { provide: CALL_CONTEXT_RESOLVER, useValue: new CallContextResolver(options.auth) },
      { provide: OPENAPI_OPTIONS, useValue: typeof options.openApi === 'object' ? options.openApi : {} },
      LucentCallGuard,
      { provide: APP_FILTER, useClass: LucentExceptionFilter },
    ];
    const controllers = [
      ...(options.functionsEndpoint === false ? [] : [FunctionsController]),
      ...(options.openApi === false ? [] : [OpenApiController]),
    ];
    return {
      module: LucentModule,
      global: true,
      controllers,
      providers,
      exports: [FUNCTION_MANAGER, CALL_CONTEXT_RESOLVER, LucentCallGuard],
    };
  }
}
