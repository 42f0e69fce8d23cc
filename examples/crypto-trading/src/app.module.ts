// The crypto trading service's NestJS module: HTTP on top of the function manager and the CQRS parts.
import { Module, type DynamicModule } from '@nestjs/common';
import { LucentModule } from '@lucent/nestjs';
import type { FunctionManager } from '@lucent/runtime';
import { PositionsModule } from './controllers/positions.controller.js';
import type { PortfolioManager } from './managers/portfolio-manager.js';

export interface AppDependencies {
  readonly functions: FunctionManager;
  readonly portfolio: PortfolioManager;
}

@Module({})
export class AppModule {
  static forRoot(deps: AppDependencies): DynamicModule {
    return {
      module: AppModule,
      imports: [LucentModule.forRoot({ manager: deps.functions }), PositionsModule.forRoot(deps.portfolio)],
    };
  }
}
