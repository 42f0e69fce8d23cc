// Builds the service classes behind the risk, yield and arbitrage routes on the shared invoker and event store.
import type { Logger } from '@lucent/core';
import type { Invoker } from '@lucent/runtime';
import type { AssetParametersTable } from '../domain/positions/assetParameters.js';
import { ArbitrageFunctionManager } from './arbitrageFunctionManager.js';
import type { Infrastructure } from './infrastructure.js';
import { RiskFunctionManager } from './riskFunctionManager.js';
import { YieldFunctionManager, type YieldRate } from './yieldFunctionManager.js';

export interface AnalysisServices {
  readonly risk: RiskFunctionManager;
  readonly yields: YieldFunctionManager;
  readonly arbitrage: ArbitrageFunctionManager;
}

export interface AnalysisConfig {
  /** How functions run: this process (a FunctionManager), or a shard (any Invoker). */
  readonly functions: Invoker;
  readonly infrastructure: Pick<Infrastructure, 'events'>;
  readonly logger?: Logger;
  readonly assetParameters?: AssetParametersTable;
  readonly yieldRates?: Readonly<Record<string, YieldRate>>;
}

export function createAnalysisServices(config: AnalysisConfig): AnalysisServices {
  const { functions, logger } = config;
  const events = config.infrastructure.events;
  const common = { functions, events, ...(logger !== undefined && { logger }) };
  return {
    risk: new RiskFunctionManager({ ...common, ...(config.assetParameters !== undefined && { assetParameters: config.assetParameters }) }),
    yields: new YieldFunctionManager({ ...common, ...(config.yieldRates !== undefined && { rates: config.yieldRates }) }),
    arbitrage: new ArbitrageFunctionManager(common),
  };
}
