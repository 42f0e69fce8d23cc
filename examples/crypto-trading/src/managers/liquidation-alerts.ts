// LiquidationAlerts: a conditional trigger per open position that raises an alert when its health factor falls below 1.1.
import type { ProjectedEvent } from '@lucent/core';
import type { EventStore, FunctionManager, Scheduler, StoredEvent, TimerFiring } from '@lucent/runtime';
import { liquidationRisk, liquidationRiskCleared } from '../domain/alerts/liquidationRisk.js';
import { portfolioProjection, type PositionSummary } from '../domain/positions/portfolioProjection.js';
import { positionStream } from '../domain/positions/positionCommands.js';
import type { PositionEvent } from '../domain/positions/positionEvents.js';
import type { Infrastructure } from './infrastructure.js';
import { YieldProjectionJob } from './yield-projection-job.js';

export interface LiquidationAlert {
  readonly type: 'LiquidationAlertRaised' | 'LiquidationAlertCleared';
  readonly positionId: string;
  readonly healthFactor: number | null;
  readonly at: number;
}

/** A position's alert state, as the alerts endpoint answers. */
export interface LiquidationAlertStatus {
  readonly positionId: string;
  /** The last alert raised has not been cleared. */
  readonly alertRaised: boolean;
  /** Its health factor now (null without debt), folded from its stream. */
  readonly healthFactor: number | null;
  readonly alerts: readonly LiquidationAlert[];
}

const riskCondition = 'crypto.liquidation-risk';
const clearedCondition = 'crypto.liquidation-cleared';
const handlers = { watch: 'crypto.alerts.watch', unwatch: 'crypto.alerts.unwatch', raise: 'crypto.alerts.raise', clear: 'crypto.alerts.clear' };
/** Events that can move a position's health factor. */
const healthEvents = { types: ['CollateralDeposited', 'Borrowed', 'Repaid', 'PositionClosed'], streamPrefix: 'position-' };
const alertStream = (positionId: string): string => `liquidation-alerts-${positionId}`;
const ownerOf = (positionId: string): string => `position:${positionId}`;

export interface LiquidationAlertsOptions {
  readonly scheduler: Scheduler;
  readonly events: EventStore;
  /** Liquidation threshold of the collateral (default 0.825). */
  readonly liquidationThreshold?: number;
}

/**
 * Watches every open position: arms `crypto.liquidation-risk` when it opens; when the predicate
 * holds the alert is appended (once, keyed by the firing) and a `cleared` condition is armed,
 * whose firing re-arms the risk condition. Closing the position cancels its watch.
 */
export class LiquidationAlerts {
  private readonly scheduler: Scheduler;

  constructor(private readonly options: LiquidationAlertsOptions) {
    const scheduler = (this.scheduler = options.scheduler);
    const threshold = options.liquidationThreshold;
    scheduler
      .handle(handlers.watch, (f) => this.arm(riskCondition, payloadPosition(f), handlers.raise, 'opened'))
      .handle(handlers.unwatch, async (f) => void (await scheduler.cancelOwner(ownerOf(payloadPosition(f)))))
      .handle(handlers.raise, (f) => this.record(f, 'LiquidationAlertRaised', clearedCondition, handlers.clear))
      .handle(handlers.clear, (f) => this.record(f, 'LiquidationAlertCleared', riskCondition, handlers.raise));
    scheduler.defineCondition({
      name: riskCondition,
      filter: healthEvents,
      subjectOf: positionIdOf,
      holds: async (positionId) => {
        const check = liquidationRisk(await this.position(positionId), threshold);
        return check.atRisk ? { holds: true, evidence: { healthFactor: check.healthFactor } } : { holds: false };
      },
    });
    scheduler.defineCondition({
      name: clearedCondition,
      filter: healthEvents,
      subjectOf: positionIdOf,
      holds: async (positionId) => {
        const position = await this.position(positionId);
        if (!liquidationRiskCleared(position, threshold)) return { holds: false };
        return { holds: true, evidence: { healthFactor: position ? liquidationRisk(position, threshold).healthFactor : null } };
      },
    });
    const payloadOf = (e: StoredEvent) => ({ positionId: positionIdOf(e) ?? '' });
    scheduler.onEvent({ name: 'crypto.alerts.watch', filter: { types: ['PositionOpened'], streamPrefix: 'position-' }, handler: handlers.watch, payloadOf });
    scheduler.onEvent({ name: 'crypto.alerts.unwatch', filter: { types: ['PositionClosed'], streamPrefix: 'position-' }, handler: handlers.unwatch, payloadOf });
  }

  /** Alerts raised and cleared for a position, oldest first. */
  async alerts(positionId: string): Promise<LiquidationAlert[]> {
    const stored = await this.options.events.readStream(alertStream(positionId));
    return stored.map((e) => ({ type: e.type as LiquidationAlert['type'], ...(e.data as Omit<LiquidationAlert, 'type'>) }));
  }

  /** A position's alerts and whether one is raised now; undefined for a position never opened. */
  async status(positionId: string): Promise<LiquidationAlertStatus | undefined> {
    const position = await this.position(positionId);
    if (position === undefined) return undefined;
    const alerts = await this.alerts(positionId);
    const check = liquidationRisk(position, this.options.liquidationThreshold);
    return {
      positionId,
      alertRaised: alerts[alerts.length - 1]?.type === 'LiquidationAlertRaised',
      healthFactor: check.healthFactor,
      alerts,
    };
  }

  /** The position now, folded from its own stream with the portfolio projection (never behind the log). */
  private async position(positionId: string): Promise<PositionSummary | undefined> {
    const events = (await this.options.events.readStream(positionStream(positionId))) as unknown as ProjectedEvent<PositionEvent>[];
    const first = events[0];
    if (!first) return undefined;
    let view = portfolioProjection.initialView(first.data.owner);
    for (const e of events) view = portfolioProjection.apply(view, e);
    return view.positions[positionId];
  }

  private async arm(condition: string, positionId: string, onTrue: string, generation: string | number): Promise<void> {
    await this.scheduler.whenCondition({
      condition,
      subject: positionId,
      onTrue,
      payload: { positionId },
      owner: ownerOf(positionId),
      // Timer ids are dedupe keys forever: each raise/clear cycle arms a new generation.
      id: `${condition}:${positionId}@${generation}`,
    });
  }

  private async record(f: TimerFiring, type: LiquidationAlert['type'], nextCondition: string, nextHandler: string): Promise<void> {
    const positionId = payloadPosition(f);
    const evidence = f.match?.payload as { healthFactor?: number | null } | undefined;
    const alert: Omit<LiquidationAlert, 'type'> = { positionId, healthFactor: evidence?.healthFactor ?? null, at: f.match?.arrivedAt ?? f.now };
    // Keyed by the firing: a run repeated after a crash appends nothing the second time.
    await this.options.events.append(alertStream(positionId), [{ type, data: alert }], { idempotencyKey: f.firingKey });
    await this.arm(nextCondition, positionId, nextHandler, f.scheduledFor);
  }
}

function positionIdOf(e: StoredEvent): string | undefined {
  const id = (e.data as { positionId?: unknown } | null)?.positionId;
  return typeof id === 'string' ? id : undefined;
}

function payloadPosition(f: TimerFiring): string {
  return (f.payload as { positionId: string }).positionId;
}

// ── wiring: the example service's scheduled work on the shared Scheduler ────────────────

export interface ScheduledWorkConfig {
  readonly functions: FunctionManager;
  /** The service's Scheduler (its event store is where positions live), event store and read-model store. */
  readonly infrastructure: Pick<Infrastructure, 'scheduler' | 'events' | 'views'>;
  /** Cron expression of the yield recompute (default every minute). */
  readonly yieldExpression?: string;
  /** Liquidation threshold the alerts assume for collateral (default 0.825). */
  readonly liquidationThreshold?: number;
}

export interface ScheduledWork {
  readonly yieldJob: YieldProjectionJob;
  readonly alerts: LiquidationAlerts;
}

/**
 * Register the yield cron job and the liquidation alerts on the service's Scheduler and arm the
 * job (idempotent across nodes). They fire once the infrastructure starts the Scheduler.
 */
export async function armScheduledWork(config: ScheduledWorkConfig): Promise<ScheduledWork> {
  const { scheduler, events, views } = config.infrastructure;
  const yieldJob = new YieldProjectionJob({
    scheduler,
    functions: config.functions,
    events,
    views,
    ...(config.yieldExpression !== undefined && { expression: config.yieldExpression }),
  });
  const alerts = new LiquidationAlerts({
    scheduler,
    events,
    ...(config.liquidationThreshold !== undefined && { liquidationThreshold: config.liquidationThreshold }),
  });
  await yieldJob.arm();
  return { yieldJob, alerts };
}
