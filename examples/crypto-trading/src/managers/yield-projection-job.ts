// YieldProjectionJob: a cron job that recomputes every open position's yield projections each minute via the FunctionManager.
import type { FunctionManager, EventStore, ProjectionStore, Scheduler, ScheduleResult, StoredEvent, TimerFiring } from '@lucent/runtime';
import type { MisfirePolicy, ProjectedEvent } from '@lucent/core';
import { portfolioProjection, type PortfolioView } from '../domain/positions/portfolioProjection.js';
import type { PositionEvent } from '../domain/positions/positionEvents.js';
import { aprToApy } from '../domain/yield/aprToApy.js';
import { projectedBalance } from '../domain/yield/projectedBalance.js';
import type { Compounding } from '../domain/yield/compounding.js';

/** Supply rate a position's collateral earns, by pair (collateral side). */
export interface YieldRate {
  readonly apr: number;
  readonly compounding: Compounding;
}

/** Illustrative supply rates; a deployment passes live ones (an oracle feed, a protocol's API) instead. */
export const defaultYieldRates: Readonly<Record<string, YieldRate>> = {
  ETH: { apr: 0.021, compounding: 31_536_000 },
  WBTC: { apr: 0.004, compounding: 31_536_000 },
  USDC: { apr: 0.052, compounding: 31_536_000 },
};

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
  readonly functions: FunctionManager;
  readonly events: EventStore;
  /**
   * Where each run's result is published (the service's Redis or in-memory read-model store), so
   * every node answers with the last run, whichever node fired it. Without it: this process only.
   */
  readonly views?: ProjectionStore;
  readonly rates?: Readonly<Record<string, YieldRate>>;
  readonly horizonsDays?: readonly number[];
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

export class YieldProjectionJob {
  private readonly byPosition = new Map<string, YieldProjection>();
  private lastAsOf = 0;
  private runs = 0;
  private readonly rates: Readonly<Record<string, YieldRate>>;
  private readonly horizons: readonly number[];

  constructor(private readonly options: YieldProjectionJobOptions) {
    this.rates = options.rates ?? defaultYieldRates;
    this.horizons = options.horizonsDays ?? [30, 365];
    for (const fn of [projectedBalance, aprToApy]) if (!options.functions.has(fn.name)) options.functions.register(fn);
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
  private async publish(run: YieldProjectionRun): Promise<void> {
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
    const { functions } = this.options;
    const next = new Map<string, YieldProjection>();
    for (const view of await this.openPositions()) {
      for (const [positionId, p] of Object.entries(view.positions)) {
        if (p.status !== 'open' || p.collateralUsd <= 0) continue;
        const rate = this.rates[p.pair.split('-')[0] ?? ''];
        if (rate === undefined) continue;
        // Correlation id from the firing key: a re-run of the same tick computes with the same context.
        const invoke = { correlationId: firing.firingKey, now: firing.scheduledFor };
        const { output: apy } = await functions.invoke(aprToApy.name, { apr: rate.apr, compoundsPerYear: rate.compounding }, invoke);
        const balances: Record<number, number> = {};
        for (const days of this.horizons) {
          const { output } = await functions.invoke(
            projectedBalance.name,
            { principal: p.collateralUsd, apr: rate.apr, compounding: rate.compounding, durationDays: days },
            invoke,
          );
          balances[days] = (output as { balance: number }).balance;
        }
        next.set(positionId, {
          positionId,
          owner: view.owner,
          principalUsd: p.collateralUsd,
          apr: rate.apr,
          apy: (apy as { apy: number }).apy,
          balances,
          asOf: firing.scheduledFor,
        });
      }
    }
    await this.publish({ asOf: firing.scheduledFor, projections: [...next.values()] });
    this.byPosition.clear();
    for (const [k, v] of next) this.byPosition.set(k, v);
    this.lastAsOf = firing.scheduledFor;
    this.runs++;
  }
}
