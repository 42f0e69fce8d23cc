// YieldProjectionJob: a cron job that recomputes every open position's yield projections each minute, asking the yield service.
import { LucentServiceBase, type EventStore, type Invoker, type ProjectionStore, type Scheduler, type ScheduleResult, type ServiceLookup, type StoredEvent, type TimerFiring } from '@lucent/runtime';
import type { Logger, MisfirePolicy, ProjectedEvent } from '@lucent/core';
import { collateralAssetOf } from '../domain/positions/assetParameters.js';
import { portfolioProjection, type PortfolioView } from '../domain/positions/portfolioProjection.js';
import type { PositionEvent } from '../domain/positions/positionEvents.js';
import type { FunctionRegistry } from '../registry/functionRegistry.js';
import type { YieldFunctionManager } from './yieldFunctionManager.js';

export interface YieldProjection {
  readonly positionId: string;
  readonly owner: string;
  readonly principalUsd: number;
  readonly apr: number;
  readonly apy: number;
  /** Projected balance by horizon in days. */
  readonly balances: Readonly<Record<number, number>>;
  /** The cron occurrence this projection was computed for. */
  readonly asOf: number;
}

/** One run's projections: what the read endpoint answers with. */
export interface YieldProjectionRun {
  /** The cron occurrence they were computed for. */
  readonly asOf: number;
  readonly projections: readonly YieldProjection[];
}

export interface YieldProjectionJobOptions {
  readonly scheduler: Scheduler;
  readonly functions: Invoker;
  /** The yield service, which holds the rates and horizons and runs the yield functions. */
  readonly services: ServiceLookup<{ readonly yields: YieldFunctionManager }>;
  readonly events: EventStore;
  readonly logger?: Logger;
  /**
   * Where each run's result is published (the service's Redis or in-memory read-model store), so
   * every node answers with the last run, whichever node fired it. Without it: this process only.
   */
  readonly views?: ProjectionStore;
  /** Default every minute; six fields for seconds. */
  readonly expression?: string;
  /** A recompute stands for every one missed while the service was down (default fireOnce). */
  readonly misfire?: MisfirePolicy;
}

export const yieldJobId = 'crypto.yield-projections';
/** The read-model name and key the last run is published under. */
export const yieldProjectionView = 'yield-projections';
const latestKey = 'latest';
const handlerName = 'crypto.yield.recompute';
const pageSize = 1_000;

export class YieldProjectionJob extends LucentServiceBase<FunctionRegistry, { readonly yields: YieldFunctionManager }> {
  private readonly byPosition = new Map<string, YieldProjection>();
  private lastAsOf = 0;
  private runs = 0;

  constructor(private readonly options: YieldProjectionJobOptions) {
    super({ invoker: options.functions, services: options.services, ...(options.logger !== undefined && { logger: options.logger }) }, 'yield-projections');
    options.scheduler.handle(handlerName, (f) => this.recompute(f));
  }

  /** Register the cron job (idempotent: every node may call it at start; one job results). */
  arm(): Promise<ScheduleResult> {
    return this.options.scheduler.cron({
      id: yieldJobId,
      expression: this.options.expression ?? '* * * * *',
      handler: handlerName,
      misfire: this.options.misfire ?? 'fireOnce',
    });
  }

  /** The projections of the last run, by position id. */
  projections(): ReadonlyMap<string, YieldProjection> {
    return this.byPosition;
  }

  get completedRuns(): number {
    return this.runs;
  }

  /** The last run's projections, from the read-model store when there is one (any node's run), else this process's. */
  async lastRun(): Promise<YieldProjectionRun | undefined> {
    if (this.options.views !== undefined) return this.options.views.get<YieldProjectionRun>(yieldProjectionView, latestKey);
    const projections = [...this.byPosition.values()];
    return this.runs === 0 ? undefined : { asOf: this.lastAsOf, projections };
  }

  /** Publish a run unless one for this tick or a later one is there already (a repeated or overtaken run). */
  private async publishRun(run: YieldProjectionRun): Promise<void> {
    const views = this.options.views;
    if (views === undefined) return;
    const generation = await views.activeGeneration(yieldProjectionView);
    const at = await views.checkpoint(yieldProjectionView, generation);
    if (at >= run.asOf) return;
    // The checkpoint is the tick published; a concurrent publisher of a later tick wins the compare.
    await views.commit(yieldProjectionView, generation, at, run.asOf, new Map([[latestKey, { view: run, position: run.asOf }]]));
  }

  private async openPositions(): Promise<PortfolioView[]> {
    // The portfolio projection folded over the log: exact at this moment, whatever the read model's lag.
    const views = new Map<string, PortfolioView>();
    for (let after = 0; ; ) {
      const page: StoredEvent[] = await this.options.events.readAll({ after, maxCount: pageSize });
      for (const stored of page) {
        if (!stored.stream.startsWith('position-')) continue;
        const event = stored as unknown as ProjectedEvent<PositionEvent>;
        const key = portfolioProjection.keyOf(event);
        if (key === undefined) continue;
        views.set(key, portfolioProjection.apply(views.get(key) ?? portfolioProjection.initialView(key), event));
      }
      if (page.length < pageSize) break;
      after = (page[page.length - 1] as StoredEvent).globalPosition;
    }
    return [...views.values()];
  }

  private async recompute(firing: TimerFiring): Promise<void> {
    // Scoped by the firing key: a re-run of the same tick computes with the same correlation id and clock.
    const yields = this.inScope({ correlationId: firing.firingKey }).service('yields');
    const next = new Map<string, YieldProjection>();
    for (const view of await this.openPositions()) {
      for (const [positionId, p] of Object.entries(view.positions)) {
        if (p.status !== 'open' || p.collateralUsd <= 0) continue;
        const estimate = await yields.estimate(collateralAssetOf(p.pair), p.collateralUsd, { now: firing.scheduledFor });
        if (estimate === undefined) continue;
        next.set(positionId, {
          positionId,
          owner: view.owner,
          principalUsd: estimate.principalUsd,
          apr: estimate.apr,
          apy: estimate.apy,
          balances: estimate.balances,
          asOf: firing.scheduledFor,
        });
      }
    }
    await this.publishRun({ asOf: firing.scheduledFor, projections: [...next.values()] });
    this.byPosition.clear();
    for (const [k, v] of next) this.byPosition.set(k, v);
    this.lastAsOf = firing.scheduledFor;
    this.runs++;
  }
}
