// The example service's scheduled work on the shared Scheduler: the yield cron job and the liquidation alerts, with the services they ask.
import type { Logger } from '@lucent/core';
import { ServiceDirectory, type Invoker } from '@lucent/runtime';
import type { AssetParametersTable } from '../domain/positions/assetParameters.js';
import type { Infrastructure } from './infrastructure.js';
import { LiquidationAlerts } from './liquidationAlerts.js';
import { RiskFunctionManager } from './riskFunctionManager.js';
import { YieldFunctionManager } from './yieldFunctionManager.js';
import { YieldProjectionJob } from './yieldProjectionJob.js';

export interface ScheduledWorkConfig {
  /** How functions run: this process, or a shard. */
  readonly functions: Invoker;
  /** The service's Scheduler (its event store is where positions live), its timer store, event store and read-model store. */
  readonly infrastructure: Pick<Infrastructure, 'scheduler' | 'timers' | 'events' | 'views'>;
  /** Cron expression of the yield recompute (default every minute). */
  readonly yieldExpression?: string;
  /** Overrides of the asset-parameters table the alerts value collateral with. */
  readonly assetParameters?: AssetParametersTable;
  readonly logger?: Logger;
}

export interface ScheduledWork {
  readonly yieldJob: YieldProjectionJob;
  readonly alerts: LiquidationAlerts;
}

/**
 * Register the yield cron job and the liquidation alerts on the service's Scheduler and arm the
 * job (idempotent across nodes). They fire once the infrastructure starts the Scheduler.
 */
export async function armScheduledWork(config: ScheduledWorkConfig): Promise<ScheduledWork> {
  const { scheduler, timers, events, views } = config.infrastructure;
  const { functions, logger } = config;
  const common = { functions, events, ...(logger !== undefined && { logger }) };
  // The services the scheduled work asks, by name: the alerts ask `risk`, the job asks `yields`.
  const services = new ServiceDirectory<{ risk: RiskFunctionManager; yields: YieldFunctionManager }>()
    .add('risk', new RiskFunctionManager({ ...common, ...(config.assetParameters !== undefined && { assetParameters: config.assetParameters }) }))
    .add('yields', new YieldFunctionManager(common));
  const yieldJob = new YieldProjectionJob({
    ...common,
    scheduler,
    services,
    views,
    ...(config.yieldExpression !== undefined && { expression: config.yieldExpression }),
  });
  const alerts = new LiquidationAlerts({ ...common, scheduler, timers, services });
  await yieldJob.arm();
  return { yieldJob, alerts };
}
