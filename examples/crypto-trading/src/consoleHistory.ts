// What the console's history views read in this service: its event store, the deposit saga runner, the timers, the portfolio projection, position replays.
import type { ConsoleHistorySources } from '@lucent/nestjs';
import type { FunctionManager } from '@lucent/runtime';
import { decidePosition, positionDecider } from './domain/positions/positionDecider.js';
import { aaveDepositRunnerName } from './managers/aaveDepositManager.js';
import type { Infrastructure } from './managers/infrastructure.js';
import type { PortfolioManager } from './managers/portfolioManager.js';

export interface ConsoleHistoryParts {
  /**
   * The functions this process hosts (topology.local): replay runs a candidate version of
   * positions.decide here, past the live rules, never on a shard and never through the call log.
   */
  readonly functions: FunctionManager;
  /** Its projector's checkpoint is the one projection the console measures lag for. */
  readonly portfolio: Pick<PortfolioManager, 'projector'>;
}

/** The console module's `history` option for this service: `consoleHistorySources(infrastructure, { functions: topology.local, portfolio })`. */
export function consoleHistorySources(
  infrastructure: Pick<Infrastructure, 'events' | 'timers' | 'views'>,
  parts: ConsoleHistoryParts,
): ConsoleHistorySources {
  return {
    events: infrastructure.events,
    sagaRunners: [aaveDepositRunnerName],
    timers: infrastructure.timers,
    projections: { store: infrastructure.views, names: [parts.portfolio.projector.name] },
    replay: { functions: parts.functions, deciders: { [decidePosition.name]: positionDecider } },
  };
}
