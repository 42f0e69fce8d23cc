// PortfolioManager: the shell around the positions domain — event store, decide through the FunctionManager, Redis read model.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createPgliteEventStore, createPostgresEventStore } from '@lucent/postgres';
import { RedisProjectionStore } from '@lucent/redis';
import {
  CommandBus,
  DeciderCommandHandler,
  MemoryProjectionStore,
  Projector,
  QueryBus,
  type CommandOptions,
  type CommandResult,
  type EventStore,
  type FunctionManager,
  type ProjectionStore,
} from '@lucent/runtime';
import { portfolioProjection, type PortfolioView } from '../domain/positions/portfolioProjection.js';
import { positionStream, type PositionCommand } from '../domain/positions/positionCommands.js';
import { decidePosition, positionDecider } from '../domain/positions/positionDecider.js';
import type { PositionEvent } from '../domain/positions/positionEvents.js';

type PositionCommands = {
  'positions.command': { message: { command: PositionCommand; options: CommandOptions }; result: CommandResult<PositionEvent> };
};
type PortfolioQueries = { 'portfolio.byOwner': { message: { owner: string }; result: PortfolioView | undefined } };

export class PortfolioManager {
  readonly commands = new CommandBus<PositionCommands>();
  readonly queries = new QueryBus<PortfolioQueries>();
  readonly projector: Projector<PortfolioView, PositionEvent>;

  constructor(
    readonly events: EventStore,
    readonly views: ProjectionStore,
    functions: FunctionManager,
  ) {
    if (!functions.has(decidePosition.name)) functions.register(decidePosition);
    const handler = new DeciderCommandHandler({
      store: events,
      functions,
      decider: positionDecider,
      decision: decidePosition.name,
      streamOf: (c: PositionCommand) => positionStream(c.positionId),
    });
    this.commands.register('positions.command', ({ command, options }) => handler.handle(command, options));
    this.queries.register('portfolio.byOwner', ({ owner }) => views.get<PortfolioView>(portfolioProjection.name, owner));
    this.projector = new Projector({ events, views, projection: portfolioProjection, pollIntervalMs: 500 });
  }

  /** Run a position command (already shaped as the contract's union; the contract is checked by the FunctionManager). */
  execute(command: PositionCommand, options: CommandOptions = {}): Promise<CommandResult<PositionEvent>> {
    return this.commands.execute('positions.command', { command, options });
  }

  portfolio(owner: string): Promise<PortfolioView | undefined> {
    return this.queries.ask('portfolio.byOwner', { owner });
  }

  start(): Promise<void> {
    return this.projector.start();
  }

  async close(): Promise<void> {
    await this.projector.stop();
    await this.views.close();
    await this.events.close();
  }
}

export interface PortfolioConfig {
  readonly functions: FunctionManager;
  /** Embedded default: PGlite keeps events under `<dataDir>/events` (e.g. `.lucent-data/events`). */
  readonly dataDir?: string;
  /** Real server (LUCENT_PG_URL); wins over dataDir. */
  readonly postgresUrl?: string;
  /** Real Redis (LUCENT_REDIS_URL); in-memory projections otherwise (rebuilt from the log at start). */
  readonly redisUrl?: string;
  readonly pgSchema?: string;
  readonly redisPrefix?: string;
}

/** Build and start the positions side of the service on embedded defaults or real servers. */
export async function createPortfolioManager(config: PortfolioConfig): Promise<PortfolioManager> {
  let events: EventStore;
  if (config.postgresUrl !== undefined) {
    events = await createPostgresEventStore({ connectionString: config.postgresUrl, schema: config.pgSchema });
  } else if (config.dataDir !== undefined) {
    const dir = join(config.dataDir, 'events');
    mkdirSync(dir, { recursive: true });
    events = await createPgliteEventStore({ dataDir: dir, schema: config.pgSchema });
  } else {
    events = await createPgliteEventStore({ schema: config.pgSchema });
  }
  const views: ProjectionStore =
    config.redisUrl !== undefined
      ? new RedisProjectionStore({ url: config.redisUrl, prefix: config.redisPrefix ?? 'lucent:crypto:' })
      : new MemoryProjectionStore();
  const manager = new PortfolioManager(events, views, config.functions);
  await manager.start();
  return manager;
}
