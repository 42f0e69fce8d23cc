// Builds the crypto trading service: infrastructure opened once, function manager, positions, deposits, scheduled work, NestJS on Fastify.
import 'reflect-metadata';
import { CallLog, createLucentApp, drainHttp, recordCalls } from '@lucent/nestjs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Chaos, LucentMetrics, RateLimits, Resilience, createLogger, resilientEventStore, resilientProjectionStore, traceEventStore, type FunctionManager, type Invoker } from '@lucent/runtime';
import { openRedisRateLimits } from '@lucent/redis';
import { AppModule } from './appModule.js';
import { consoleSources } from './console.js';
import { consoleHistorySources } from './consoleHistory.js';
import { topologyConfig, type ServiceConfig } from './config.js';
import { notifyAlerts } from './managers/alertNotifier.js';
import { createAaveDepositManager, type AaveBoundary, type AaveDepositManager } from './managers/aaveDepositManager.js';
import { createAnalysisServices } from './managers/analysisServices.js';
import { openInfrastructure, type Infrastructure } from './managers/infrastructure.js';
import { armScheduledWork, type ScheduledWork } from './managers/scheduledWork.js';
import { createPortfolioManager, type PortfolioManager } from './managers/portfolioManager.js';
import { createPriceOracle, type ExchangePriceFeed, type PriceOracle } from './managers/priceOracle.js';
import { resilientAaveBoundary, resilientPriceFeed } from './ports/resilientPorts.js';
import { SimulatedAaveBoundary } from './ports/simulatedAaveBoundary.js';
import { SimulatedExchangeFeed } from './ports/simulatedExchangeFeed.js';
import { openTopology, type Topology } from './topology.js';

export interface CryptoService {
  readonly app: NestFastifyApplication;
  readonly functions: FunctionManager;
  /** How the service calls functions: this process, or the best shard (see topology.ts). */
  readonly invoker: Invoker;
  /** Where functions run, the registry the service follows, and what the start banner names. */
  readonly topology: Topology;
  /** The stores and the one Scheduler every part below shares. */
  readonly infrastructure: Infrastructure;
  readonly portfolio: PortfolioManager;
  /** The Aave deposit saga (reserve → submit → confirmations → record) on the shared Scheduler. */
  readonly deposits: AaveDepositManager;
  /** Cron yield projections and liquidation-risk alerts on the shared Scheduler. */
  readonly scheduling: ScheduledWork;
  /** Collateral prices: polled from the exchange, pushed over HTTP, checked by prices.decide. */
  readonly prices: PriceOracle;
  /** The process's one metrics registry, served on GET /metrics. */
  readonly metrics: LucentMetrics;
  close(): Promise<void>;
  /**
   * Stop gracefully (SIGTERM): refuse new connections, answer every request already received
   * (cutting what is left after `drainTimeoutMs`), then stop the Scheduler, the parts and the stores.
   * `drained` is false when requests had to be cut.
   */
  shutdown(drainTimeoutMs: number): Promise<{ readonly drained: boolean }>;
}

export interface CryptoServiceOptions {
  readonly logs?: boolean;
  /** The exchange and chain the deposit saga talks to; the deterministic SimulatedAaveBoundary by default. */
  readonly boundary?: AaveBoundary;
  /** The exchange the price oracle polls; the deterministic SimulatedExchangeFeed by default. */
  readonly priceFeed?: ExchangePriceFeed;
}

export async function createCryptoService(config: ServiceConfig, options: CryptoServiceOptions = {}): Promise<CryptoService> {
  const logger = createLogger({ enabled: options.logs ?? true });
  const metrics = new LucentMetrics();
  // ':memory:' keeps the embedded database in memory (tests); any other value is a directory.
  const opened = await openInfrastructure({
    dataDir: config.dataDir,
    postgresUrl: config.postgresUrl,
    redisUrl: config.redisUrl,
    ...(config.redisCluster === true && { redisCluster: true }),
    ...(config.pgSchema !== undefined && { pgSchema: config.pgSchema }),
    ...(config.redisPrefix !== undefined && { redisPrefix: config.redisPrefix }),
    logger,
  });
  // Every part appends through the timed store; the infrastructure still closes the real one.
  // Store calls run under the postgres and redis policies (docs/resilience.md); appends are timed outside them.
  // Chaos (docs/resilience.md) is off until `lucent chaos` says otherwise, and only on NATS, where the service follows its document.
  const chaos = new Chaos({ logger });
  const resilience = new Resilience({}, { logger, chaos });
  const infrastructure: Infrastructure = {
    ...opened,
    // While tracing is on (startTracing in main.ts), each append is an `eventstore.append` span.
    events: metrics.eventStore(traceEventStore(resilientEventStore(opened.events, resilience, 'postgres'))),
    views: resilientProjectionStore(opened.views, resilience, config.redisUrl === undefined ? 'projections' : 'redis'),
  };
  metrics.scheduler(infrastructure.scheduler, infrastructure.timers);
  try {
    // Rate limits (docs/resilience.md), counted in Redis when configured, changed at run time on NATS (`lucent limits`);
    // the exchange feed and chain go behind their policies below.
    const limits = config.redisUrl === undefined ? { limits: new RateLimits({ limits: config.rateLimits ?? {} }) } : openRedisRateLimits({ url: config.redisUrl, cluster: config.redisCluster === true, limits: config.rateLimits ?? {} });
    if ('close' in limits) infrastructure.adopt(limits);
    // Embedded, or a gateway to shards (LUCENT_NATS_URL), or in-process shards: topology.ts decides.
    const topology = await openTopology(topologyConfig(config), { logger, events: infrastructure.events, observer: metrics.functions, chaos, rateLimits: limits.limits });
    // Closed after the Scheduler stops and before the stores (the registry audits into the event store).
    infrastructure.adopt(topology);
    // Service classes call functions through the invoker: on a gateway, the shard placement chooses.
    // Every call it passes on lands in the console's call log (GET /console/api/calls), with the
    // version the registry selected for the caller when the call failed.
    const calls = new CallLog();
    const functions = recordCalls(topology.invoker, calls, { versionFor: (name, business) => topology.local.versionFor(name, business) });
    metrics.resilience(resilience).rateLimits(limits.limits).chaos(chaos);
    const portfolio = await createPortfolioManager({ functions, infrastructure });
    const deposits = await createAaveDepositManager({
      functions,
      logger,
      infrastructure,
      boundary: resilientAaveBoundary(options.boundary ?? new SimulatedAaveBoundary(), resilience),
      ...(config.depositTimeoutMs !== undefined && { confirmationTimeoutMs: config.depositTimeoutMs }),
    });
    const scheduling = await armScheduledWork({
      functions,
      infrastructure,
      ...(config.yieldCron !== undefined && { yieldExpression: config.yieldCron }),
    });
    // Alerts reach the operator from their stored events (the EventBus), apart from the timers that append them.
    // Each process running this service tells them under one checkpoint: two gateways on one database may both tell an alert.
    infrastructure.adopt(notifyAlerts({ events: infrastructure.events, logger }));
    const prices = await createPriceOracle({
      functions,
      infrastructure,
      logger,
      feed: resilientPriceFeed(options.priceFeed ?? new SimulatedExchangeFeed(), resilience),
      ...(config.priceCron !== undefined && { pollExpression: config.priceCron }),
      ...(config.priceMaxMove !== undefined && { guards: { maxMove: config.priceMaxMove } }),
    });
    // Risk, yield and arbitrage service classes: the routes a user reaches them by; they run functions through the invoker.
    const analysis = createAnalysisServices({ functions, infrastructure, logger });
    metrics.projection(portfolio.projector).sagas(deposits.runner);
    // Every handler, trigger and condition is registered: now timers may fire.
    infrastructure.start();
    // The operator console (/console): what it reads here, and the sagas, schedules, events and replays of its history views.
    const consoleOptions = {
      ...consoleSources({ topology, infrastructure, invoker: functions, calls }),
      history: consoleHistorySources(infrastructure, { functions: topology.local, portfolio }),
    };
    const app = await createLucentApp(AppModule.forRoot({ functions, invoker: functions, portfolio, deposits, scheduling, prices, analysis, infrastructure, auth: config.auth, logger, metrics, registry: topology.registry, shadowReports: (name) => topology.shadowReport(name), rateLimits: limits.limits, console: consoleOptions, readiness: readinessProbes(topology) }), {
      ...config.http,
      nestLogger: options.logs === false ? false : ['error', 'warn'],
    });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    return {
      app,
      functions: topology.local,
      invoker: functions,
      topology,
      infrastructure,
      portfolio,
      deposits,
      scheduling,
      prices,
      metrics,
      close: async () => {
        // Stop taking requests, then let the infrastructure stop the Scheduler, the parts and the stores in order.
        await app.close();
        await infrastructure.close();
      },
      shutdown: async (drainTimeoutMs) => {
        const { drained, elapsedMs } = await drainHttp(app, drainTimeoutMs);
        if (drained) logger.info('http drained', { elapsedMs });
        else logger.warn('http drain timed out; remaining connections cut', { drainTimeoutMs });
        await infrastructure.close();
        return { drained };
      },
    };
  } catch (error) {
    await infrastructure.close().catch(() => undefined);
    throw error;
  }
}

/** On a gateway, /health/ready also asks the NATS connection (a round trip to the server) and the registry (a KV read). */
function readinessProbes(topology: Topology): Record<string, () => Promise<unknown>> {
  if (topology.natsProbe === undefined) return {};
  return { transport: topology.natsProbe, registry: () => topology.registry.get('health-probe') };
}
