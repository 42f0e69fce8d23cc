// Builds the crypto trading service: function manager with the generated registry, positions (CQRS), NestJS on Fastify.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { FunctionManager, MemoryTimerStore, createLogger } from '@lucent/runtime';
import { AppModule } from './app.module.js';
import type { ServiceConfig } from './config.js';
import { startScheduledWork, type ScheduledWork } from './managers/liquidation-alerts.js';
import { createPortfolioManager, type PortfolioManager } from './managers/portfolio-manager.js';
import { functionRegistry } from './registry/function-registry.js';

export interface CryptoService {
  readonly app: NestFastifyApplication;
  readonly functions: FunctionManager;
  readonly portfolio: PortfolioManager;
  /** Cron yield projections and liquidation-risk alerts on the durable scheduler. */
  readonly scheduling: ScheduledWork;
  close(): Promise<void>;
}

export async function createCryptoService(config: ServiceConfig, options: { logs?: boolean } = {}): Promise<CryptoService> {
  const logger = createLogger({ enabled: options.logs ?? true });
  const functions = new FunctionManager({ logger }).register(functionRegistry);
  // ':memory:' keeps the embedded event store in memory (tests); any other value is a directory.
  const portfolio = await createPortfolioManager({
    functions,
    dataDir: config.dataDir === ':memory:' ? undefined : config.dataDir,
    postgresUrl: config.postgresUrl,
    redisUrl: config.redisUrl,
  });
  const scheduling = await startScheduledWork({
    functions,
    events: portfolio.events,
    postgresUrl: config.postgresUrl,
    ...(config.dataDir === ':memory:' ? { store: new MemoryTimerStore() } : { dataDir: config.dataDir }),
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({ functions, portfolio }),
    new FastifyAdapter({ bodyLimit: 1_048_576 }),
    { logger: options.logs === false ? false : ['error', 'warn'] },
  );
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return {
    app,
    functions,
    portfolio,
    scheduling,
    close: async () => {
      await app.close();
      await scheduling.close();
      await portfolio.close();
    },
  };
}
