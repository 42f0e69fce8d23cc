// The example's scheduled work: liquidation alerts raised once below HF 1.1 and re-armed, and the yield cron job.
import { describe, expect, it } from 'vitest';
import { FunctionManager, MemoryEventStore, MemoryProjectionStore, MemoryTimerStore, Scheduler } from '@lucent/runtime';
import { LiquidationAlerts, armScheduledWork } from './liquidation-alerts.js';
import { YieldProjectionJob } from './yield-projection-job.js';

const t0 = Date.UTC(2025, 5, 1, 9, 0, 0) + 1;
const base = { positionId: 'p1', owner: 'alice' };

function virtualService() {
  let now = t0;
  const events = new MemoryEventStore();
  const scheduler = new Scheduler({ store: new MemoryTimerStore(), clock: () => now, eventStore: events, nodeId: 'test' });
  const functions = new FunctionManager({ clock: () => now });
  const alerts = new LiquidationAlerts({ scheduler, events, liquidationThreshold: 0.8 });
  const yieldJob = new YieldProjectionJob({ scheduler, functions, events, views: new MemoryProjectionStore() });
  let seen = 0;
  /** Let the scheduler see new events and fire what is due, the way its loop would. */
  const settle = async (advanceMs = 0): Promise<void> => {
    now += advanceMs;
    for (let i = 0; i < 5; i++) {
      const fresh = await events.readAll({ after: seen });
      if (fresh.length > 0) {
        await scheduler.handleEvents(fresh);
        seen = fresh[fresh.length - 1]!.globalPosition;
      }
      await scheduler.runDue();
    }
  };
  const position = (type: string, data: Record<string, unknown>) => events.append('position-p1', [{ type, data: { ...base, ...data } }]);
  return { events, scheduler, alerts, yieldJob, settle, position };
}

describe('liquidation alerts (conditional trigger)', () => {
  it('raises one alert when the health factor falls below 1.1, clears it on recovery, and raises again', async () => {
    const s = virtualService();
    await s.position('PositionOpened', { pair: 'ETH-USDC', openedAt: t0 });
    await s.position('CollateralDeposited', { amount: 5, priceUsd: 3_000 });
    await s.position('Borrowed', { amountUsd: 10_000 });
    await s.settle();
    expect(await s.alerts.alerts('p1')).toEqual([]);
    // HF = 15,000 · 0.8 / 11,000 = 1.09
    await s.position('Borrowed', { amountUsd: 1_000 });
    await s.settle(1_000);
    await s.position('Borrowed', { amountUsd: 10 });
    await s.settle(1_000);
    const raised = await s.alerts.alerts('p1');
    expect(raised.map((a) => a.type)).toEqual(['LiquidationAlertRaised']);
    expect(raised[0]?.healthFactor).toBeCloseTo((15_000 * 0.8) / 11_000, 10);
    // HF back to 12,000 / 9,010 = 1.33
    await s.position('Repaid', { amountUsd: 2_000 });
    await s.settle(1_000);
    await s.position('Borrowed', { amountUsd: 3_000 });
    await s.settle(1_000);
    expect((await s.alerts.alerts('p1')).map((a) => a.type)).toEqual(['LiquidationAlertRaised', 'LiquidationAlertCleared', 'LiquidationAlertRaised']);
  });

  it('stops watching a closed position', async () => {
    const s = virtualService();
    await s.position('PositionOpened', { pair: 'ETH-USDC', openedAt: t0 });
    await s.position('CollateralDeposited', { amount: 5, priceUsd: 3_000 });
    await s.settle();
    await s.position('PositionClosed', { closedAt: t0 });
    await s.settle(1_000);
    expect(await s.scheduler.get('crypto.liquidation-risk:p1@opened')).toMatchObject({ state: 'cancelled' });
  });
});

describe('yield projection job (cron)', () => {
  it('recomputes every open position each minute through the FunctionManager', async () => {
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
    const scheduler = new Scheduler({ store: new MemoryTimerStore(), eventStore: events });
    const work = await armScheduledWork({ functions: new FunctionManager(), infrastructure: { scheduler, events, views: new MemoryProjectionStore() } });
    scheduler.start();
    try {
      expect(await scheduler.get('crypto.yield-projections')).toMatchObject({ kind: 'cron', state: 'pending' });
      await events.append('position-p9', [
        { type: 'PositionOpened', data: { positionId: 'p9', owner: 'bob', pair: 'ETH-USDC', openedAt: 0 } },
        { type: 'CollateralDeposited', data: { positionId: 'p9', owner: 'bob', amount: 1, priceUsd: 1_000 } },
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
