// GET /metrics: the process's prom-client registry in the Prometheus text format, public like health (scrapers carry no token).
import { Controller, Header, Inject, Module, type DynamicModule } from '@nestjs/common';
import type { LucentMetrics } from '@lucent/runtime';
import { LucentRoute } from '../routes/lucentRoute.js';

export interface LucentMetricsOptions {
  /** The process's one set of metrics (`new LucentMetrics()` from @lucent/runtime). */
  readonly metrics: Pick<LucentMetrics, 'render'>;
}

const METRICS_OPTIONS = Symbol.for('lucent.MetricsOptions');

/** The content type of the Prometheus text exposition, version 0.0.4, as prom-client writes it. */
export const prometheusContentType = 'text/plain; version=0.0.4; charset=utf-8';

@Controller()
export class LucentMetricsController {
  constructor(@Inject(METRICS_OPTIONS) private readonly options: LucentMetricsOptions) {}

  @LucentRoute('GET', 'metrics', { summary: 'Prometheus metrics of this process (text format 0.0.4)', public: true, tag: 'metrics' })
  @Header('content-type', prometheusContentType)
  metrics(): Promise<string> {
    return this.options.metrics.render();
  }
}

/** Mount GET /metrics; public (no token) even when auth is on, as a Prometheus scraper expects. */
@Module({})
export class LucentMetricsModule {
  static forRoot(options: LucentMetricsOptions): DynamicModule {
    return {
      module: LucentMetricsModule,
      controllers: [LucentMetricsController],
      providers: [{ provide: METRICS_OPTIONS, useValue: options }],
    };
  }
}
