// The crypto trading service's NestJS module: HTTP on top of the function manager, positions, deposits, prices and the scheduled work.
import { Module, type DynamicModule } from '@nestjs/common';
import { LucentHealthModule, LucentMetricsModule, LucentModule, type LucentAuthOptions } from '@lucent/nestjs';
import type { Logger } from '@lucent/core';
import type { FunctionManager, LucentMetrics } from '@lucent/runtime';
import { DepositsModule } from './controllers/deposits.controller.js';
import { PositionsModule } from './controllers/positions.controller.js';
import { PricesModule } from './controllers/prices.controller.js';
import { ScheduledWorkModule } from './controllers/scheduled-work.controller.js';
import type { AaveDepositManager } from './managers/aave-deposit-manager.js';
import type { Infrastructure } from './managers/infrastructure.js';
import type { ScheduledWork } from './managers/liquidation-alerts.js';
import type { PortfolioManager } from './managers/portfolio-manager.js';
import type { PriceOracle } from './managers/price-oracle.js';

export interface AppDependencies {
  readonly functions: FunctionManager;
  readonly portfolio: PortfolioManager;
  readonly deposits: AaveDepositManager;
  readonly scheduling: ScheduledWork;
  readonly prices: PriceOracle;
  /** Verify bearer tokens and run functions as the caller they name; absent: no identity. */
  readonly auth?: LucentAuthOptions;
  /** The stores /health/ready asks. */
  readonly infrastructure: Pick<Infrastructure, 'events' | 'views'>;
  /** Where server errors are logged (every 5xx, with correlation id, route and stack). */
  readonly logger?: Logger;
  /** Served on GET /metrics. */
  readonly metrics?: LucentMetrics;
}

@Module({})
export class AppModule {
  static forRoot(deps: AppDependencies): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LucentModule.forRoot({ manager: deps.functions, auth: deps.auth, logger: deps.logger, openApi: { title: 'Lucent crypto trading', version: '0.1.0' } }),
        PositionsModule.forRoot(deps.portfolio),
        DepositsModule.forRoot(deps.deposits),
        ScheduledWorkModule.forRoot(deps.scheduling, deps.portfolio),
        PricesModule.forRoot(deps.prices),
        LucentHealthModule.forRoot({
          probes: {
            eventStore: () => deps.infrastructure.events.streamVersion('$health'),
            projections: () => deps.infrastructure.views.get('$health', 'probe'),
          },
        }),
        ...(deps.metrics === undefined ? [] : [LucentMetricsModule.forRoot({ metrics: deps.metrics })]),
      ],
    };
  }
}
