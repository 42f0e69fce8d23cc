// The crypto trading service's NestJS module: HTTP on top of the function manager, positions, deposits, prices and the scheduled work.
import { Module, type DynamicModule } from '@nestjs/common';
import { LucentAdminModule, LucentConsoleModule, LucentHealthModule, LucentMetricsModule, LucentModule, type LucentAdminModuleOptions, type LucentAuthOptions, type LucentConsoleOptions } from '@lucent/nestjs';
import type { Logger } from '@lucent/core';
import type { Invoker, LucentMetrics, RateLimits, RegistryStore } from '@lucent/runtime';
import { AnalysisModule } from './controllers/analysisController.js';
import { DepositsModule } from './controllers/depositsController.js';
import { OrdersModule } from './controllers/ordersController.js';
import { PositionsModule } from './controllers/positionsController.js';
import { PricesModule } from './controllers/pricesController.js';
import { ScheduledWorkModule } from './controllers/scheduledWorkController.js';
import type { AaveDepositManager } from './managers/aaveDepositManager.js';
import type { Infrastructure } from './managers/infrastructure.js';
import type { ScheduledWork } from './managers/scheduledWork.js';
import type { PortfolioManager } from './managers/portfolioManager.js';
import type { PriceOracle } from './managers/priceOracle.js';
import type { AnalysisServices } from './managers/analysisServices.js';

export interface AppDependencies {
  readonly functions: Invoker;
  /** What POST /functions/:name calls: this process, or the best shard (topology.ts); `functions` when absent. */
  readonly invoker?: Invoker;
  readonly portfolio: PortfolioManager;
  readonly deposits: AaveDepositManager;
  readonly scheduling: ScheduledWork;
  readonly prices: PriceOracle;
  /** The risk, yield and arbitrage service classes. */
  readonly analysis: AnalysisServices;
  /** Verify bearer tokens and run functions as the caller they name; absent: no identity. */
  readonly auth?: LucentAuthOptions;
  /** The stores /health/ready asks. */
  readonly infrastructure: Pick<Infrastructure, 'events' | 'views'>;
  /** Further probes /health/ready asks beside the stores: on a gateway, the NATS transport and the registry. */
  readonly readiness?: Readonly<Record<string, () => Promise<unknown>>>;
  /** Where server errors are logged (every 5xx, with correlation id, route and stack). */
  readonly logger?: Logger;
  /** Served on GET /metrics. */
  readonly metrics?: LucentMetrics;
  /** Per-user and per-function limits on POST /functions/:name (config `rateLimits`). */
  readonly rateLimits?: RateLimits;
  /**
   * The function registry the service follows: with `auth` on, its admin API is mounted under
   * /admin/registry for callers whose token carries the `admin` role (without auth it is not mounted).
   */
  readonly registry?: RegistryStore;
  /** Where the admin API's shadow-report reads (the topology: shards over NATS, in-process shards, or this process). */
  readonly shadowReports?: LucentAdminModuleOptions['shadowReports'];
  /**
   * The operator console at /console (see docs/console.md): read-only without auth; with auth every
   * reader needs a token and admins change the registry through the admin API. Absent: not mounted.
   */
  readonly console?: LucentConsoleOptions;
}

/** The admin API verifies tokens with the service's own key; only the `admin` role may use it. */
function adminModule(deps: AppDependencies): DynamicModule[] {
  if (deps.registry === undefined || deps.auth === undefined) return [];
  const { secret, publicKey, algorithms, issuer, audience, clockToleranceSec, maxTokenLifetimeSec } = deps.auth;
  const auth = {
    ...(secret === undefined ? {} : { secret }),
    ...(publicKey === undefined ? {} : { publicKey }),
    ...(algorithms === undefined ? {} : { algorithms }),
    ...(issuer === undefined ? {} : { issuer }),
    ...(audience === undefined ? {} : { audience }),
    ...(clockToleranceSec === undefined ? {} : { clockToleranceSec }),
    ...(maxTokenLifetimeSec === undefined ? {} : { maxTokenLifetimeSec }),
    adminRole: 'admin',
  };
  return [LucentAdminModule.forRoot({ registry: deps.registry, auth, ...(deps.shadowReports === undefined ? {} : { shadowReports: deps.shadowReports }) })];
}

/** The console's sessions are `admin` only where the admin API is mounted to take their changes. */
function consoleModule(deps: AppDependencies, adminApi: boolean): DynamicModule[] {
  if (deps.console === undefined) return [];
  return [LucentConsoleModule.forRoot({ ...deps.console, adminApi: adminApi ? { adminRole: 'admin' } : false })];
}

@Module({})
export class AppModule {
  static forRoot(deps: AppDependencies): DynamicModule {
    const admin = adminModule(deps);
    return {
      module: AppModule,
      imports: [
        LucentModule.forRoot({
          invoker: deps.invoker ?? deps.functions,
          auth: deps.auth,
          logger: deps.logger,
          openApi: { title: 'Lucent crypto trading', version: '0.1.0' },
          ...(deps.rateLimits === undefined ? {} : { rateLimits: deps.rateLimits }),
        }),
        PositionsModule.forRoot(deps.portfolio),
        DepositsModule.forRoot(deps.deposits),
        ScheduledWorkModule.forRoot(deps.scheduling, deps.portfolio),
        PricesModule.forRoot(deps.prices),
        AnalysisModule.forRoot(deps.analysis),
        OrdersModule.forRoot(deps.invoker ?? deps.functions),
        LucentHealthModule.forRoot({
          probes: {
            eventStore: () => deps.infrastructure.events.streamVersion('$health'),
            projections: () => deps.infrastructure.views.get('$health', 'probe'),
            ...deps.readiness,
          },
        }),
        ...(deps.metrics === undefined ? [] : [LucentMetricsModule.forRoot({ metrics: deps.metrics })]),
        ...admin,
        ...consoleModule(deps, admin.length > 0),
      ],
    };
  }
}
