// The example's scheduled work: liquidation alerts raised once below HF 1.1 (by a borrow or a price fall) and re-armed, and the yield cron job.
import { describe, expect, it } from 'vitest';
import { FunctionManager, MemoryEventStore, MemoryProjectionStore, MemoryTimerStore, Scheduler } from '@lucent/runtime';
import { functionRegistry } from '../registry/functionRegistry.js';
import { ServiceDirectory } from '@lucent/runtime';
import { LiquidationAlerts } from './liquidationAlerts.js';
import { RiskFunctionManager } from './riskFunctionManager.js';
import { armScheduledWork } from './scheduledWork.js';
import { YieldFunctionManager } from './yieldFunctionManager.js';
import { PriceOracle } from './priceOracle.js';
import { YieldProjectionJob } from './yieldProjectionJob.js';

const t0 = Date.UTC(2025, 5, 1, 9, 0, 0) + 1;
const base = { positionId: 'p1', owner: 'alice' };

function virtualService() {
  let now = t0;
  const clock = () => now;
  const events = new MemoryEventStore();
  const timers = new MemoryTimerStore();
  const scheduler = new Scheduler({ store: timers, clock, eventStore: events, nodeId: 'test' });
  const functions = new FunctionManager({ clock }).register(functionRegistry);
  const services = new ServiceDirectory<{ risk: RiskFunctionManager; yields: YieldFunctionManager }>()
    .add('risk', new RiskFunctionManager({ functions, events }))
    .add('yields', new YieldFunctionManager({ functions, events }));
  const alerts = new LiquidationAlerts({ scheduler, events, timers, functions, services });
  const oracle = new PriceOracle({ scheduler, events, functions, clock, pollExpression: null });
  const yieldJob = new YieldProjectionJob({ scheduler, functions, services, events, views: new MemoryProjectionStore() });
  let seen = 0;
  /** Let the scheduler see new events and fire what is due, the way its loop would. */
  const settle = async (advanceMs = 0): Promise<void> => {
    now += advanceMs;
    for (let i = 0; i < 6; i++) {
      const fresh = await events.readAll({ after: seen });
      if (fresh.length > 0) {
        await scheduler.handleEvents(fresh);
        seen = fresh[fresh.length - 1]!.globalPosition;
      }
      await scheduler.runDue();
    }
  };
  const position = (type: string, data: Record<string, unknown>, id = 'p1') =>
    events.append(`position-${id}`, [{ type, data: { ...base, positionId: id, ...data } }]);
  /** A price pushed through the oracle one second later, then seen by the triggers. */
  const price = async (asset: string, priceUsd: number) => {
    now += 1_000;
    const r = await oracle.observe({ asset, priceUsd, source: 'test' });
    await settle();
    return r;
  };
  const types = async (id = 'p1') => (await alerts.alerts(id)).map((a) => a.type);
  return { events, timers, scheduler, alerts, oracle, yieldJob, settle, position, price, types };
}

describe('liquidation alerts (conditional trigger)', () => {
  it('raises one alert when a borrow takes the health factor below 1.1, clears it on recovery, and raises again', async () => {
    const s = virtualService();
    await s.position('PositionOpened', { pair: 'ETH-USDC', openedAt: t0 });
    await s.position('CollateralDeposited', { amount: 5, priceUsd: 3_000 });
    await s.position('Borrowed', { amountUsd: 10_000 });
    await s.settle();
    expect(await s.alerts.alerts('p1')).toEqual([]);
    // HF = 15,000 · 0.825 / 11,300 = 1.095
    await s.position('Borrowed', { amountUsd: 1_300 });
    await s.settle(1_000);
    await s.position('Borrowed', { amountUsd: 10 });
    await s.settle(1_000);
    const raised = await s.alerts.alerts('p1');
    expect(raised.map((a) => a.type)).toEqual(['LiquidationAlertRaised']);
    expect(raised[0]).toMatchObject({ priceUsd: 3_000 });
    expect(raised[0]?.healthFactor).toBeCloseTo((15_000 * 0.825) / 11_300, 10);
    // HF back to 12,375 / 9,310 = 1.33
    await s.position('Repaid', { amountUsd: 2_000 });
    await s.settle(1_000);
    await s.position('Borrowed', { amountUsd: 2_000 });
    await s.settle(1_000);
    expect(await s.types()).toEqual(['LiquidationAlertRaised', 'LiquidationAlertCleared', 'LiquidationAlertRaised']);
  });

  it('raises when the collateral price falls with no position event at all, and clears when it recovers', async () => {
    const s = virtualService();
    // 2 ETH at 2,600 and 3,300 borrowed: HF = P / 2,000.
    await s.price('ETH', 2_600);
    await s.position('PositionOpened', { pair: 'ETH-USD', openedAt: t0 });
    await s.position('CollateralDeposited', { amount: 2, priceUsd: 2_600 });
    await s.position('Borrowed', { amountUsd: 3_300 });
    await s.settle();
    expect(await s.alerts.status('p1')).toMatchObject({ alertRaised: false, collateralAsset: 'ETH', priceUsd: 2_600, alerts: [] });

    // Another asset's price reaches no ETH position.
    await s.price('BTC', 50_000);
    expect(await s.events.streamVersion('revaluations-BTC')).toBe(0);

    await s.price('ETH', 2_100);
    const raised = await s.alerts.alerts('p1');
    expect(raised).toMatchObject([{ type: 'LiquidationAlertRaised', priceUsd: 2_100 }]);
    expect(raised[0]?.healthFactor).toBeCloseTo(1.05, 10);
    expect((await s.alerts.status('p1'))?.alertRaised).toBe(true);

    // Still below 1.1: nothing new.
    await s.price('ETH', 2_000);
    expect(await s.types()).toEqual(['LiquidationAlertRaised']);

    await s.price('ETH', 2_600);
    expect(await s.types()).toEqual(['LiquidationAlertRaised', 'LiquidationAlertCleared']);
    expect(await s.alerts.status('p1')).toMatchObject({ alertRaised: false, priceUsd: 2_600 });
    expect((await s.alerts.status('p1'))?.healthFactor).toBeCloseTo(1.3, 10);
  });

  it('re-checks a watch armed after the price fell, without waiting for another price', async () => {
    const s = virtualService();
    await s.price('ETH', 3_000);
    await s.price('ETH', 2_000);
    // Deposited at an old 3,000 but valued at the observed 2,000: HF = 6,000 · 0.825 / 4,500 · (2/3) = 0.73.
    await s.position('PositionOpened', { pair: 'ETH-USD', openedAt: t0 });
    await s.position('CollateralDeposited', { amount: 2, priceUsd: 3_000 });
    await s.position('Borrowed', { amountUsd: 4_500 });
    await s.settle(1_000);
    expect(await s.alerts.alerts('p1')).toMatchObject([{ type: 'LiquidationAlertRaised', priceUsd: 2_000 }]);
  });

  it('stops watching a closed position', async () => {
    const s = virtualService();
    await s.position('PositionOpened', { pair: 'ETH-USDC', openedAt: t0 });
    await s.position('CollateralDeposited', { amount: 5, priceUsd: 3_000 });
    await s.settle();
    await s.position('PositionClosed', { closedAt: t0 });
    await s.settle(1_000);
    expect(await s.scheduler.get('crypto.liquidation-risk:p1@opened')).toMatchObject({ state: 'cancelled' });
    // A later price revalues no closed position.
    await s.price('ETH', 2_000);
    expect(await s.events.streamVersion('revaluations-ETH')).toBe(0);
  });
});

describe('yield projection job (cron)', () => {
  it('recomputes every open position each minute through the yield service', async () => {
    const s = virtualService();
    await s.yieldJob.arm();
    await s.position('PositionOpened', { pair: 'ETH-USDC', openedAt: t0 });
    await s.position('CollateralDeposited', { amount: 2, priceUsd: 3_000 });
    await s.settle(60_000);
    expect(s.yieldJob.completedRuns).toBe(1);
    const p = s.yieldJob.projections().get('p1');
    expect(p).toMatchObject({ owner: 'alice', principalUsd: 6_000, apr: 0.021 });
    expect(p!.balances[365]).toBeCloseTo(6_000 * Math.exp(0.021), 4);
    expect(p!.apy).toBeCloseTo(Math.expm1(0.021), 9);
    // Published to the read-model store, where every node's endpoint reads it.
    expect(await s.yieldJob.lastRun()).toEqual({ asOf: p!.asOf, projections: [p] });
    await s.settle(60_000);
    expect(s.yieldJob.completedRuns).toBe(2);
    expect((await s.yieldJob.lastRun())?.asOf).toBe(p!.asOf + 60_000);
  });
});

describe('scheduled work as the service starts it', () => {
  // The PGlite store the service uses by default passes the same TimerStore contract (packages/postgres); the
  // in-memory twins keep this test from paying PGlite's start-up on a loaded machine.
  it('runs the real loop and event subscription and raises an alert from appended events', async () => {
    const events = new MemoryEventStore();
    const timers = new MemoryTimerStore();
    const scheduler = new Scheduler({ store: timers, eventStore: events });
    const work = await armScheduledWork({ functions: new FunctionManager().register(functionRegistry), infrastructure: { scheduler, timers, events, views: new MemoryProjectionStore() } });
    scheduler.start();
    try {
      expect(await scheduler.get('crypto.yield-projections')).toMatchObject({ kind: 'cron', state: 'pending' });
      await events.append('position-p9', [
        { type: 'PositionOpened', data: { positionId: 'p9', owner: 'bob', pair: 'ETH-USDC', openedAt: 0 } },
        { type: 'CollateralDeposited', data: { positionId: 'p9', owner: 'bob', amount: 1, priceUsd: 1_000 } },
        // HF = 1,000 · 0.825 / 800 = 1.03
        { type: 'Borrowed', data: { positionId: 'p9', owner: 'bob', amountUsd: 800 } },
      ]);
      const deadline = Date.now() + 20_000;
      while ((await work.alerts.alerts('p9')).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect((await work.alerts.alerts('p9')).map((a) => a.type)).toEqual(['LiquidationAlertRaised']);
    } finally {
      await scheduler.stop();
      await events.close();
    }
  }, 40_000);
});
