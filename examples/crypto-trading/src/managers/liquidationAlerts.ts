// LiquidationAlerts: a conditional trigger per open position that raises an alert when its health factor, at the latest prices, falls below 1.1.
import type { EventFilter, Logger } from '@lucent/core';
import { LucentServiceBase, type EventStore, type Invoker, type Scheduler, type ServiceLookup, type StoredEvent, type TimerFiring, type TimerRecord, type TimerStore } from '@lucent/runtime';
import { liquidationRisk, liquidationRiskCleared } from '../domain/alerts/liquidationRisk.js';
import { revaluationStream, revaluations } from '../domain/alerts/positionRevalued.js';
import { collateralAssetOf } from '../domain/positions/assetParameters.js';
import { positionStream } from '../domain/positions/positionCommands.js';
import { priceStream, type PriceObservation } from '../domain/prices/priceEvents.js';
import type { FunctionRegistry } from '../registry/functionRegistry.js';
import type { RiskFunctionManager } from './riskFunctionManager.js';

export interface LiquidationAlert {
  readonly type: 'LiquidationAlertRaised' | 'LiquidationAlertCleared';
  readonly positionId: string;
  readonly healthFactor: number | null;
  /** The collateral price the health factor was computed at (null without collateral). */
  readonly priceUsd: number | null;
  readonly at: number;
}

/** A position's alert state, as the alerts endpoint answers. */
export interface LiquidationAlertStatus {
  readonly positionId: string;
  /** The last alert raised has not been cleared. */
  readonly alertRaised: boolean;
  /** Its health factor now, at the latest price of its collateral (null without debt). */
  readonly healthFactor: number | null;
  readonly collateralAsset: string;
  /** That latest price; the deposit price before the asset's first observation. */
  readonly priceUsd: number | null;
  readonly alerts: readonly LiquidationAlert[];
}

interface WatchPayload {
  readonly positionId: string;
  /** The collateral asset; absent on watches armed before prices existed (they are revalued on every price). */
  readonly asset?: string;
}

const riskCondition = 'crypto.liquidation-risk';
const clearedCondition = 'crypto.liquidation-cleared';
const handlers = {
  watch: 'crypto.alerts.watch',
  unwatch: 'crypto.alerts.unwatch',
  raise: 'crypto.alerts.raise',
  clear: 'crypto.alerts.clear',
  revalue: 'crypto.alerts.revalue',
};
const positionHealthTypes: readonly string[] = ['CollateralDeposited', 'Borrowed', 'Repaid', 'PositionClosed'];
/** Events that can move a position's health factor: its own, and a new price of its collateral, fanned out per position. */
const healthEvents: EventFilter = { types: [...positionHealthTypes, 'PositionRevalued'] };
const alertStream = (positionId: string): string => `liquidation-alerts-${positionId}`;
const ownerOf = (positionId: string): string => `position:${positionId}`;
/** Watches read per price observation; a service watching more would index positions by asset in a projection. */
const maxWatched = 10_000;

export interface LiquidationAlertsOptions {
  readonly scheduler: Scheduler;
  readonly events: EventStore;
  /** The Scheduler's timer store: its waiting conditions are the positions a new price must reach. */
  readonly timers: TimerStore;
  readonly functions: Invoker;
  /** The risk service: a position's health factor at the latest price of its collateral. */
  readonly services: ServiceLookup<AlertServices>;
  readonly logger?: Logger;
}

/** The services the alerts request. */
export type AlertServices = { readonly risk: RiskFunctionManager };

/**
 * Watches every open position: arms `crypto.liquidation-risk` when it opens; when the predicate
 * holds the alert is appended (once, keyed by the firing) and a `cleared` condition is armed,
 * whose firing re-arms the risk condition. Closing the position cancels its watch.
 *
 * Both conditions are checked on the position's own events and on `PositionRevalued`: a price
 * observation names an asset, not a position, and a condition is keyed by position, so each new
 * price is fanned out (once, across nodes) into one revaluation per position whose condition waits.
 */
export class LiquidationAlerts extends LucentServiceBase<FunctionRegistry, AlertServices> {
  private readonly scheduler: Scheduler;

  constructor(private readonly options: LiquidationAlertsOptions) {
    super({ invoker: options.functions, events: options.events, services: options.services, ...(options.logger !== undefined && { logger: options.logger }) }, 'alerts');
    const scheduler = (this.scheduler = options.scheduler);
    scheduler
      .handle(handlers.watch, (f) => this.arm(riskCondition, watchOf(f), handlers.raise, 'opened'))
      .handle(handlers.unwatch, async (f) => void (await scheduler.cancelOwner(ownerOf(watchOf(f).positionId))))
      .handle(handlers.raise, (f) => this.record(f, 'LiquidationAlertRaised', clearedCondition, handlers.clear))
      .handle(handlers.clear, (f) => this.record(f, 'LiquidationAlertCleared', riskCondition, handlers.raise))
      .handle(handlers.revalue, (f) => this.revalue(f));
    scheduler.defineCondition({
      name: riskCondition,
      filter: healthEvents,
      subjectOf,
      holds: async (positionId) => {
        const now = await this.assess(positionId);
        const check = liquidationRisk(now?.position, now?.healthFactor ?? null);
        return check.atRisk ? { holds: true, evidence: { healthFactor: check.healthFactor, priceUsd: now?.priceUsd ?? null } } : { holds: false };
      },
    });
    scheduler.defineCondition({
      name: clearedCondition,
      filter: healthEvents,
      subjectOf,
      holds: async (positionId) => {
        const now = await this.assess(positionId);
        if (!liquidationRiskCleared(now?.position, now?.healthFactor ?? null)) return { holds: false };
        return { holds: true, evidence: { healthFactor: now?.healthFactor ?? null, priceUsd: now?.priceUsd ?? null } };
      },
    });
    const position = { streamPrefix: positionStream('') };
    scheduler.onEvent({
      name: 'crypto.alerts.watch',
      filter: { types: ['PositionOpened'], ...position },
      handler: handlers.watch,
      payloadOf: (e) => {
        const pair = (e.data as { pair?: unknown } | null)?.pair;
        return { positionId: positionIdOf(e) ?? '', ...(typeof pair === 'string' && { asset: collateralAssetOf(pair) }) };
      },
    });
    scheduler.onEvent({
      name: 'crypto.alerts.unwatch',
      filter: { types: ['PositionClosed'], ...position },
      handler: handlers.unwatch,
      payloadOf: (e) => ({ positionId: positionIdOf(e) ?? '' }),
    });
    scheduler.onEvent({
      name: 'crypto.alerts.revalue',
      filter: { types: ['PriceObserved'], streamPrefix: priceStream('') },
      handler: handlers.revalue,
      payloadOf: (e) => {
        const { asset, priceUsd, observedAt } = e.data as PriceObservation;
        return { asset, priceUsd, observedAt };
      },
    });
  }

  /** Alerts raised and cleared for a position, oldest first. */
  async alerts(positionId: string): Promise<LiquidationAlert[]> {
    const stored = await this.options.events.readStream(alertStream(positionId));
    return stored.map((e) => {
      const data = e.data as Omit<LiquidationAlert, 'type'>;
      // Alerts recorded before prices existed carry no price.
      return { type: e.type as LiquidationAlert['type'], ...data, priceUsd: data.priceUsd ?? null };
    });
  }

  /** A position's alerts and whether one is raised now; undefined for a position never opened. */
  async status(positionId: string): Promise<LiquidationAlertStatus | undefined> {
    const now = await this.assess(positionId);
    if (now === undefined) return undefined;
    const alerts = await this.alerts(positionId);
    return {
      positionId,
      alertRaised: alerts[alerts.length - 1]?.type === 'LiquidationAlertRaised',
      healthFactor: liquidationRisk(now.position, now.healthFactor).healthFactor,
      collateralAsset: collateralAssetOf(now.position.pair),
      priceUsd: now.priceUsd,
      alerts,
    };
  }

  /** The position and its health factor at the latest price of its collateral, asked of the risk service. */
  private assess(positionId: string) {
    return this.service('risk').assess(positionId);
  }

  /**
   * A price was recorded: append one revaluation per position whose condition waits on this asset,
   * keyed by the firing so a repeated run appends nothing. A watch armed after this read checks the
   * predicate when it is armed, with this price already in the log.
   */
  private async revalue(f: TimerFiring): Promise<void> {
    const price = f.payload as unknown as Pick<PriceObservation, 'asset' | 'priceUsd' | 'observedAt'>;
    const waiting = await this.options.timers.list({ kind: 'condition', state: 'pending', limit: maxWatched });
    const batch = revaluations(waiting.flatMap((t) => watchedOn(t, price.asset)), price);
    if (batch.length === 0) return;
    // The firing is the request: a rerun may find other watches waiting, yet must append nothing.
    await this.publish(revaluationStream(price.asset), batch, { idempotencyKey: f.firingKey, idempotencyPayload: f.firingKey });
  }

  private async arm(condition: string, watch: WatchPayload, onTrue: string, generation: string | number): Promise<void> {
    await this.scheduler.whenCondition({
      condition,
      subject: watch.positionId,
      onTrue,
      payload: { ...watch },
      owner: ownerOf(watch.positionId),
      // Timer ids are dedupe keys forever: each raise/clear cycle arms a new generation.
      id: `${condition}:${watch.positionId}@${generation}`,
    });
  }

  private async record(f: TimerFiring, type: LiquidationAlert['type'], nextCondition: string, nextHandler: string): Promise<void> {
    const watch = watchOf(f);
    const evidence = f.match?.payload as { healthFactor?: number | null; priceUsd?: number | null } | undefined;
    const alert: Omit<LiquidationAlert, 'type'> = {
      positionId: watch.positionId,
      healthFactor: evidence?.healthFactor ?? null,
      priceUsd: evidence?.priceUsd ?? null,
      at: f.match?.arrivedAt ?? f.now,
    };
    // Keyed by the firing: a run repeated after a crash appends nothing the second time.
    await this.publish(alertStream(watch.positionId), [{ type, data: alert }], { idempotencyKey: f.firingKey, idempotencyPayload: f.firingKey });
    await this.arm(nextCondition, watch, nextHandler, f.scheduledFor);
  }
}

function positionIdOf(e: StoredEvent): string | undefined {
  const id = (e.data as { positionId?: unknown } | null)?.positionId;
  return typeof id === 'string' ? id : undefined;
}

/** The position a health event concerns: one of its own events, or a revaluation naming it. */
function subjectOf(e: StoredEvent): string | undefined {
  const own = positionHealthTypes.includes(e.type) && e.stream.startsWith(positionStream(''));
  const revalued = e.type === 'PositionRevalued' && e.stream.startsWith(revaluationStream(''));
  return own || revalued ? positionIdOf(e) : undefined;
}

function watchOf(f: TimerFiring): WatchPayload {
  return f.payload as unknown as WatchPayload;
}

/** The position of a waiting alert condition on `asset` (or of unknown asset), if `timer` is one. */
function watchedOn(timer: TimerRecord, asset: string): string[] {
  const ours = [riskCondition, clearedCondition].some((c) => timer.waitKey?.startsWith(`${c}:`));
  const watch = timer.payload as Partial<WatchPayload> | null;
  if (!ours || timer.match !== undefined || typeof watch?.positionId !== 'string') return [];
  return watch.asset === undefined || watch.asset === asset ? [watch.positionId] : [];
}
