// LucentModule: mounts a FunctionManager into a NestJS app with the functions endpoint and error mapping.
import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { FunctionManager } from '@lucent/runtime';
import { LucentExceptionFilter } from './errors/lucentExceptionFilter.js';
import { FunctionsController } from './functions/functionsController.js';
import { FUNCTION_MANAGER } from './tokens.js';

export interface LucentModuleOptions {
  readonly manager: FunctionManager;
  /** Expose POST /functions/:name (default true). */
  readonly functionsEndpoint?: boolean;
}

@Module({})
export class LucentModule {
  static forRoot(options: LucentModuleOptions): DynamicModule {
    const providers: Provider[] = [
      { provide: FUNCTION_MANAGER, useValue: options.manager },
      { provide: APP_FILTER, useClass: LucentExceptionFilter },
    ];
    return {
      module: LucentModule,
      global: true,
      controllers: options.functionsEndpoint === false ? [] : [FunctionsController],
      providers,
      exports: [FUNCTION_MANAGER],
    };
  }
}
