// /health/live and /health/ready (the NestJS Terminus convention): ready only while every dependency the service names answers in time.
import { Controller, Inject, Module, ServiceUnavailableException, type DynamicModule } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorService, TerminusModule, type HealthCheckResult } from '@nestjs/terminus';
import { LucentError } from '@lucent/core';
import { LucentRoute } from '../routes/lucentRoute.js';

/** A readiness probe: resolves when the dependency answers; any rejection (or the timeout) marks it down. */
export type ReadinessProbe = () => Promise<unknown>;

export interface LucentHealthOptions {
  /** One probe per dependency, by name (`eventStore`, `projections`, `transport`, `registry`…). */
  readonly probes: Readonly<Record<string, ReadinessProbe>>;
  /** How long a probe may take before it counts as down (default 1 s). */
  readonly timeoutMs?: number;
}

const HEALTH_OPTIONS = Symbol.for('lucent.HealthOptions');

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

@Controller('health')
export class LucentHealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(HealthIndicatorService) private readonly indicators: HealthIndicatorService,
    @Inject(HEALTH_OPTIONS) private readonly options: LucentHealthOptions,
  ) {}

  /** The process serves requests: no dependency is asked. */
  @LucentRoute('GET', 'live', { summary: 'Liveness: the process answers', public: true, tag: 'health' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @LucentRoute('GET', 'ready', {
    summary: 'Readiness: every dependency answers (503 naming the ones that do not)',
    public: true,
    tag: 'health',
    refusals: { 503: 'UNAVAILABLE: details.error names each dependency that is down and why' },
  })
  async ready(): Promise<HealthCheckResult> {
    const timeoutMs = this.options.timeoutMs ?? 1_000;
    const checks = Object.entries(this.options.probes).map(([name, probe]) => async () => {
      const session = this.indicators.check(name);
      try {
        await within(probe(), timeoutMs);
        return session.up();
      } catch (error) {
        return session.down({ message: error instanceof Error ? error.message : String(error) });
      }
    });
    try {
      return await this.health.check(checks);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      // The typed error shape every other refusal has, with Terminus's report as its details.
      throw new LucentError('UNAVAILABLE', 'Not ready: a dependency does not answer', error.getResponse() as Record<string, unknown>);
    }
  }
}

/** Mount the health endpoints; both are public (no token) even when auth is on. */
@Module({})
export class LucentHealthModule {
  static forRoot(options: LucentHealthOptions): DynamicModule {
    return {
      module: LucentHealthModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [LucentHealthController],
      providers: [{ provide: HEALTH_OPTIONS, useValue: options }],
    };
  }
}
