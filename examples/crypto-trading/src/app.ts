// Builds the crypto trading service: function manager with the generated registry, NestJS on Fastify.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { FunctionManager, createLogger } from '@lucent/runtime';
import { AppModule } from './app.module.js';
import type { ServiceConfig } from './config.js';
import { functionRegistry } from './registry/function-registry.js';

export interface CryptoService {
  readonly app: NestFastifyApplication;
  readonly functions: FunctionManager;
  close(): Promise<void>;
}

export async function createCryptoService(config: ServiceConfig, options: { logs?: boolean } = {}): Promise<CryptoService> {
  const logger = createLogger({ enabled: options.logs ?? true });
  const functions = new FunctionManager({ logger }).register(functionRegistry);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({ functions }),
    new FastifyAdapter({ bodyLimit: 1_048_576 }),
    { logger: options.logs === false ? false : ['error', 'warn'] },
  );
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  void config;
  return {
    app,
    functions,
    close: () => app.close(),
  };
}
