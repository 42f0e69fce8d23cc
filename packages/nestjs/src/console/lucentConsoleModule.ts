// LucentConsoleModule: the operator console at /console — the SPA, its read API under /console/api and the live stream; changes go through the admin API.
import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { documentNestRoutes } from '../openapi/documentNestRoutes.js';
import { ConsoleApiController } from './consoleApiController.js';
import { ConsoleLiveController } from './consoleLiveController.js';
import { CONSOLE_RUNTIME, type LucentConsoleOptions } from './consoleOptions.js';
import { ConsoleReaderGuard, ConsoleTokenGuard } from './consoleRead.js';
import { ConsoleRuntime } from './consoleRuntime.js';
import { ConsoleStaticController } from './consoleStaticController.js';
import { CONSOLE_HISTORY_SOURCES, CONSOLE_READ_GUARD, consoleHistoryControllers } from './history/index.js';

interface FastifyLike {
  addHook(name: 'preClose', hook: () => Promise<void>): unknown;
}

/** Ends the live streams when the server starts closing: an open stream would otherwise hold a graceful drain to its timeout. */
@Injectable()
export class ConsoleLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(CONSOLE_RUNTIME) private readonly runtime: ConsoleRuntime,
    @Inject(HttpAdapterHost) private readonly host: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const instance = this.host.httpAdapter?.getInstance() as Partial<FastifyLike> | undefined;
    if (typeof instance?.addHook !== 'function') return;
    try {
      instance.addHook('preClose', () => this.runtime.live.close());
    } catch {
      // Fastify refuses hooks once it has started (an app initialised late): the streams then end at shutdown, after the drain.
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runtime.close();
  }
}

/**
 * Mount with LucentModule (it resolves callers: the console reads tokens exactly as the service
 * does). With auth off the console is readable by anyone and read-only; with auth on every API call
 * needs a valid token, any verified one may read, and only the admin API changes anything.
 */
@Module({})
export class LucentConsoleModule {
  static forRoot(options: LucentConsoleOptions): DynamicModule {
    const history = options.history;
    // The history endpoints in GET /openapi.json (documentation only; their own guard decides who reads).
    if (history !== undefined) documentNestRoutes(consoleHistoryControllers, (name) => ({ summary: `Console history: ${name} (any signed-in reader)`, tag: 'console' }));
    return {
      module: LucentConsoleModule,
      controllers: [ConsoleApiController, ConsoleLiveController, ConsoleStaticController, ...(history === undefined ? [] : consoleHistoryControllers)],
      providers: [
        { provide: CONSOLE_RUNTIME, useFactory: () => new ConsoleRuntime(options) },
        ConsoleReaderGuard,
        ConsoleTokenGuard,
        ConsoleLifecycle,
        // Sagas, schedules, events, projections and replay read these, behind the same reader rule.
        ...(history === undefined
          ? []
          : [
              { provide: CONSOLE_HISTORY_SOURCES, useValue: history },
              { provide: CONSOLE_READ_GUARD, useExisting: ConsoleTokenGuard },
            ]),
      ],
    };
  }
}
