// PortfolioManager: the shell around the positions domain — event store, decide through the FunctionManager, Redis read model.
import type { Projection } from '@lucent/core';
import {
  CommandBus,
  DeciderCommandHandler,
  LucentServiceBase,
  Projector,
  QueryBus,
  type CommandOptions,
  type CommandResult,
  type EventStore,
  type Invoker,
  type ProjectionStore,
} from '@lucent/runtime';
import { portfolioProjection, type PortfolioView } from '../domain/positions/portfolioProjection.js';
import { positionStream, type PositionCommand } from '../domain/positions/positionCommands.js';
import { decidePosition, positionDecider } from '../domain/positions/positionDecider.js';
import type { PositionEvent } from '../domain/positions/positionEvents.js';
import type { FunctionRegistry } from '../registry/functionRegistry.js';
import type { Infrastructure } from './infrastructure.js';

type PositionCommands = {
  'positions.command': { message: { command: PositionCommand; options: CommandOptions }; result: CommandResult<PositionEvent> };
};
type PortfolioQueries = { 'portfolio.byOwner': { message: { owner: string }; result: PortfolioView | undefined } };

/**
 * The positions service. A view in a request's scope (`inScope(call)`) runs commands with the
 * caller's business context (version selection, jurisdiction rules) and correlation ids.
 */
export class PortfolioManager extends LucentServiceBase<FunctionRegistry> {
  readonly commands = new CommandBus<PositionCommands>();
  readonly queries = new QueryBus<PortfolioQueries>();
  readonly projector: Projector<PortfolioView, PositionEvent>;

  constructor(
    readonly events: EventStore,
    readonly views: ProjectionStore,
    functions: Invoker,
  ) {
    super({ invoker: functions, events }, 'portfolio');
    const handler = new DeciderCommandHandler({
      store: events,
      functions,
      decider: positionDecider,
      decision: decidePosition.name,
      streamOf: (c: PositionCommand) => positionStream(c.positionId),
    });
    this.commands.register('positions.command', ({ command, options }) => handler.handle(command, options));
    this.queries.register('portfolio.byOwner', ({ owner }) => views.get<PortfolioView>(portfolioProjection.name, owner));
    this.projector = new Projector({ events, views, projection: positionsOnly, pollIntervalMs: 500 });
  }

  /** Run a position command (already shaped as the contract's union; the contract is checked by the FunctionManager). */
  execute(command: PositionCommand, options: CommandOptions = {}): Promise<CommandResult<PositionEvent>> {
    const { business, correlationId, causationId, traceparent } = this.scope;
    const scoped: CommandOptions = {
      business,
      ...(correlationId !== undefined && { correlationId }),
      ...(causationId !== undefined && { causationId }),
      ...(traceparent !== undefined && { traceparent }),
    };
    return this.commands.execute('positions.command', { command, options: { ...scoped, ...options } });
  }

  /** Who opened the position (from its first event); undefined when it was never opened. */
  async ownerOf(positionId: string): Promise<string | undefined> {
    const [first] = await this.events.readStream(positionStream(positionId), { maxCount: 1 });
    const owner = (first?.data as { owner?: unknown } | undefined)?.owner;
    return typeof owner === 'string' ? owner : undefined;
  }

  portfolio(owner: string): Promise<PortfolioView | undefined> {
    return this.queries.ask('portfolio.byOwner', { owner });
  }

  start(): Promise<void> {
    return this.projector.start();
  }

  /** Stop following the log; the stores belong to the infrastructure and stay open. */
  close(): Promise<void> {
    return this.projector.stop();
  }
}

/**
 * The portfolio fold over position streams only: the service's log also holds sagas, alerts
 * and deposits, whose data may carry an unrelated `owner` (or none at all).
 */
const positionsOnly: Projection<PortfolioView, PositionEvent> = {
  ...portfolioProjection,
  keyOf: (event) => (event.stream.startsWith(positionStream('')) ? portfolioProjection.keyOf(event) : undefined),
};

export interface PortfolioConfig {
  /** Runs positions.decide: this process, or a shard. */
  readonly functions: Invoker;
  /** The service's event store and projection store (Redis or memory); the manager closes with it. */
  readonly infrastructure: Pick<Infrastructure, 'events' | 'views' | 'adopt'>;
}

/** Build the positions side of the service on the shared infrastructure and start its projector. */
export async function createPortfolioManager(config: PortfolioConfig): Promise<PortfolioManager> {
  const { events, views, adopt } = config.infrastructure;
  const manager = new PortfolioManager(events, views, config.functions);
  adopt(manager);
  await manager.start();
  return manager;
}
