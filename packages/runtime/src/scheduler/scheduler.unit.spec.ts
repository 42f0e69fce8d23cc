// The Scheduler on a virtual clock: one-offs, cron with each misfire policy and retries of failed runs, waits, conditions, event triggers, bad input.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { JsonValue, RetryPolicy } from '@lucent/core';
import { VirtualClock } from '@lucent/core/testing';
import { codeOf } from '../../../../test/support/lucentErrorCode.js';
import { MemoryEventStore } from '../eventStore/memoryEventStore.js';
import type { TimerFiring } from './schedulerApi.js';
import { Scheduler } from './scheduler.js';
import { MemoryTimerStore } from './memoryTimerStore.js';

const t0 = Date.UTC(2025, 0, 1, 12, 0, 0);

function kit(options: { graceMs?: number } = {}, start = t0) {
  let now = start;
  const store = new MemoryTimerStore();
  const fired: TimerFiring[] = [];
  const scheduler = new Scheduler({
    store,
    clock: () => now,
    nodeId: 'test',
    random: () => 0.5,
    retry: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000 },
    ...options,
  });
  const record = (f: TimerFiring): void => {
    fired.push(f);
  };
  scheduler.handle('record', record).handle('record2', record);
  return {
    store,
    scheduler,
    fired,
    at: () => now,
    /** Move the virtual clock and fire whatever became due. */
    advance: async (ms: number): Promise<number> => {
      now += ms;
      return scheduler.runDue();
    },
  };
}

describe('Scheduler: one-off timers', () => {
  it('fires a delayed timer once at its time, not before, with a stable firing key', async () => {
    const k = kit();
    await k.scheduler.schedule({ id: 'reminder', delayMs: 10 * 60_000, handler: 'record', payload: { n: 1 }, owner: 'saga:7' });
    expect(await k.advance(10 * 60_000 - 1)).toBe(0);
    expect(await k.advance(1)).toBe(1);
    expect(await k.advance(60 * 60_000)).toBe(0);
    expect(k.fired).toHaveLength(1);
    expect(k.fired[0]).toMatchObject({ payload: { n: 1 }, reason: 'due', scheduledFor: t0 + 600_000, firingKey: `reminder@${t0 + 600_000}` });
    expect(await k.scheduler.get('reminder')).toMatchObject({ state: 'done', outcome: 'fired' });
  });

  it('arms a timer id once: a saga replaying its step does not arm a second one', async () => {
    const k = kit();
    expect((await k.scheduler.schedule({ id: 'step-2', delayMs: 5, handler: 'record' })).created).toBe(true);
    expect((await k.scheduler.schedule({ id: 'step-2', delayMs: 5, handler: 'record' })).created).toBe(false);
    await k.advance(5);
    expect(k.fired).toHaveLength(1);
  });

  it('retries a failing handler with backoff, then records it failed after the last attempt', async () => {
    const k = kit();
    let calls = 0;
    k.scheduler.handle('flaky', () => {
      calls++;
      throw new Error('downstream 503');
    });
    await k.scheduler.schedule({ id: 'f', delayMs: 0, handler: 'flaky' });
    await k.advance(0);
    await k.advance(60_000);
    await k.advance(60_000);
    await k.advance(60_000);
    expect(calls).toBe(3);
    expect(await k.scheduler.get('f')).toMatchObject({ state: 'done', outcome: 'failed' });
    expect((await k.scheduler.history('f'))[0]?.detail).toMatchObject({ error: 'downstream 503' });
  });

  it('cancels the timers of an owner (a compensated saga) so none fires', async () => {
    const k = kit();
    await k.scheduler.schedule({ id: 'a', delayMs: 10, handler: 'record', owner: 'saga:1' });
    await k.scheduler.schedule({ id: 'b', delayMs: 20, handler: 'record', owner: 'saga:1' });
    await k.scheduler.schedule({ id: 'c', delayMs: 20, handler: 'record', owner: 'saga:2' });
    expect(await k.scheduler.cancelOwner('saga:1')).toBe(2);
    await k.advance(100);
    expect(k.fired.map((f) => f.timer.id)).toEqual(['c']);
  });
});

describe('Scheduler: cron and misfire policies', () => {
  it('fires every second on the second and re-arms itself', async () => {
    // Registered just after a whole second, as a process starting at a random moment is.
    const k = kit({}, t0 + 1);
    await k.scheduler.cron({ id: 'tick', expression: '* * * * * *', handler: 'record', misfire: 'skip' });
    for (let i = 0; i < 5; i++) await k.advance(1_000);
    expect(k.fired.map((f) => f.scheduledFor - t0)).toEqual([1_000, 2_000, 3_000, 4_000, 5_000]);
    expect(await k.scheduler.get('tick')).toMatchObject({ state: 'pending', dueAt: t0 + 6_000 });
  });

  it('after 10 minutes of downtime, each policy does what it states', async () => {
    const outcomes: Record<string, number[]> = {};
    for (const misfire of ['skip', 'fireOnce', 'catchUp'] as const) {
      const k = kit({ graceMs: 30_000 }, t0 + 1);
      await k.scheduler.cron({ id: `yield-${misfire}`, expression: '* * * * *', handler: 'record', misfire });
      await k.advance(10 * 60_000 + 45_000 - 1);
      outcomes[misfire] = k.fired.map((f) => (f.scheduledFor - t0) / 60_000);
      expect(await k.scheduler.get(`yield-${misfire}`)).toMatchObject({ dueAt: t0 + 11 * 60_000 });
    }
    expect(outcomes).toEqual({ skip: [], fireOnce: [10], catchUp: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] });
  });

  it('keeps a registered job across restarts and replaces it when its definition changes', async () => {
    const k = kit({}, t0 + 1);
    await k.scheduler.cron({ id: 'job', expression: '0 * * * * *', handler: 'record', misfire: 'skip' });
    expect((await k.scheduler.cron({ id: 'job', expression: '0 * * * * *', handler: 'record', misfire: 'skip' })).created).toBe(false);
    await k.scheduler.cron({ id: 'job', expression: '*/10 * * * * *', handler: 'record2', misfire: 'skip' });
    expect(await k.scheduler.get('job')).toMatchObject({ cron: '*/10 * * * * *', handler: 'record2', dueAt: t0 + 10_000 });
  });
});

describe('Scheduler: failed cron runs are retried', () => {
  interface Run {
    readonly node: string;
    readonly scheduledFor: number;
    readonly attempt: number;
    readonly at: number;
    readonly firingKey: string;
  }

  /** Nodes sharing one timer store and one virtual clock; `fail` decides whether a run throws. */
  function cluster(nodes: readonly string[], fail: (run: Run) => boolean, random = 0.999) {
    const clock = new VirtualClock(t0 + 1);
    const store = new MemoryTimerStore();
    const runs: Run[] = [];
    const schedulers = nodes.map((nodeId) =>
      new Scheduler({ store, clock: clock.now, nodeId, random: () => random }).handle('job', (f) => {
        const run = { node: nodeId, scheduledFor: f.scheduledFor, attempt: f.attempt, at: f.now, firingKey: f.firingKey };
        runs.push(run);
        if (fail(run)) throw new Error(`upstream down (attempt ${f.attempt})`);
      }),
    );
    return {
      clock,
      store,
      runs,
      scheduler: schedulers[0] as Scheduler,
      /** Step the clock from one due time to the next up to `until`, every node firing what is due at each. */
      runUntil: async (until: number): Promise<void> => {
        for (let step = 0; step < 1_000; step++) {
          const next = await store.nextDueAt();
          if (next === undefined || next > until) break;
          await clock.advanceTo(next);
          await Promise.all(schedulers.map((s) => s.runDue()));
        }
        await clock.advanceTo(until);
      },
    };
  }

  it('retries a failed run with backoff until it succeeds, once across two nodes, while the next ticks fire on time', async () => {
    const T = t0 + 1_000;
    // The run at T fails twice; every other run succeeds.
    const c = cluster(['a', 'b'], (run) => run.scheduledFor === T && run.attempt < 2);
    const retry: RetryPolicy = { maxAttempts: 3, baseDelayMs: 800, maxDelayMs: 5_000 };
    await c.scheduler.cron({ id: 'every-second', expression: '* * * * * *', handler: 'job', misfire: 'skip', retry });
    await c.runUntil(T + 2_500);

    // random 0.999: the first retry ~0.8 s after the failure, the second ~1.6 s after that. The
    // ticks at T+1 s and T+2 s are not delayed by the retries in between, nor replaced by them.
    expect(c.runs.map((r) => [r.scheduledFor - T, r.attempt, r.at - T, r.firingKey])).toEqual([
      [0, 0, 0, `every-second@${T}`],
      [0, 1, 799, `every-second@${T}`],
      [1_000, 0, 1_000, `every-second@${T + 1_000}`],
      [2_000, 0, 2_000, `every-second@${T + 2_000}`],
      [0, 2, 2_397, `every-second@${T}`],
    ]);
    const history = (await c.scheduler.history('every-second')).sort((x, y) => x.scheduledFor - y.scheduledFor || x.at - y.at);
    expect(history.map((o) => [o.outcome, o.scheduledFor - T, o.detail ?? null])).toEqual([
      ['retrying', 0, { error: 'upstream down (attempt 0)', attempts: 1, retryAt: T + 799 }],
      ['fired', 0, { attempts: 3 }],
      ['fired', 1_000, null],
      ['fired', 2_000, null],
    ]);
    expect(await c.store.get(`retry:every-second@${T}`)).toMatchObject({ state: 'done', outcome: 'fired', attempts: 1, owner: 'cron:every-second' });
    expect(await c.store.get('every-second')).toMatchObject({ state: 'pending', dueAt: T + 3_000 });
  });

  it('gives up after the policy\'s tries (default 3), logs the run failed, and the next tick still runs', async () => {
    const T = t0 + 60_000;
    const c = cluster(['a'], () => true, 0.5);
    await c.scheduler.cron({ id: 'default', expression: '* * * * *', handler: 'job', misfire: 'skip' });
    await c.runUntil(T + 60_000);

    // Default policy, random 0.5: retries 0.5 s and then 1 s after each failure; nothing after the third try.
    expect(c.runs.map((r) => [r.scheduledFor - T, r.attempt, r.at - T])).toEqual([
      [0, 0, 0],
      [0, 1, 500],
      [0, 2, 1_500],
      [60_000, 0, 60_000],
    ]);
    const history = (await c.scheduler.history('default')).sort((x, y) => x.scheduledFor - y.scheduledFor || x.at - y.at);
    expect(history.map((o) => [o.outcome, o.scheduledFor - T, o.detail ?? null])).toEqual([
      ['retrying', 0, { error: 'upstream down (attempt 0)', attempts: 1, retryAt: T + 500 }],
      ['failed', 0, { error: 'upstream down (attempt 2)', attempts: 3 }],
      ['retrying', 60_000, { error: 'upstream down (attempt 0)', attempts: 1, retryAt: T + 60_500 }],
    ]);
    expect(await c.store.get(`retry:default@${T}`)).toMatchObject({ state: 'done', outcome: 'failed' });
  });

  it('tries a job stating maxAttempts 1 once per tick, and drops the pending retries of a cancelled job', async () => {
    const T = t0 + 60_000;
    const c = cluster(['a'], () => true, 0.5);
    await c.scheduler.cron({ id: 'no-retry', expression: '* * * * *', handler: 'job', misfire: 'skip', retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 } });
    await c.scheduler.cron({ id: 'cancelled', expression: '* * * * *', handler: 'job', misfire: 'skip' });
    await c.runUntil(T);
    expect(await c.scheduler.cancel('cancelled')).toBe(true);
    await c.runUntil(T + 60_000);

    expect(c.runs.map((r) => [r.firingKey, r.attempt, r.at - T])).toEqual([
      [`no-retry@${T}`, 0, 0],
      [`cancelled@${T}`, 0, 0],
      [`no-retry@${T + 60_000}`, 0, 60_000],
    ]);
    expect((await c.scheduler.history('no-retry')).map((o) => [o.outcome, o.scheduledFor - T])).toEqual([
      ['failed', 0],
      ['failed', 60_000],
    ]);
    expect((await c.scheduler.history('cancelled')).filter((o) => o.scheduledFor === T).map((o) => o.outcome)).toEqual(['retrying', 'cancelled']);
  });
});

describe('Scheduler: external waits', () => {
  it('before, during, after: matched, matched, fallback ran and the late one is recorded, not applied', async () => {
    const k = kit();
    const applied: string[] = [];
    k.scheduler.handle('confirmed', (f) => void applied.push(`${f.timer.waitKey}:${JSON.stringify(f.match?.payload)}`));
    k.scheduler.handle('fallback', (f) => void applied.push(`${f.timer.waitKey}:fallback`));
    const wait = (key: string) => k.scheduler.waitFor({ key, timeoutMs: 10 * 60_000, onMatch: 'confirmed', onTimeout: 'fallback' });

    await k.scheduler.deliverExternal('tx:early', { confirmations: 12 });
    await k.advance(1_000);
    expect((await wait('tx:early')).matchedOnArrival).toBe(true);
    await wait('tx:during');
    await wait('tx:late');
    await k.advance(60_000);
    await k.scheduler.deliverExternal('tx:during', { confirmations: 12 });
    await k.advance(0);
    await k.advance(10 * 60_000);
    const late = await k.scheduler.deliverExternal('tx:late', { confirmations: 12 });
    await k.advance(60_000);

    expect(late.arrival).toMatchObject({ status: 'late', timerId: 'wait:tx:late' });
    expect(applied).toEqual(['tx:early:{"confirmations":12}', 'tx:during:{"confirmations":12}', 'tx:late:fallback']);
    expect((await k.scheduler.get('wait:tx:late'))?.outcome).toBe('timeout');
  });
});

describe('Scheduler: conditions and event triggers', () => {
  it('raises once when a predicate over a projection becomes true on a relevant event, or times out', async () => {
    const k = kit();
    const healthFactor = new Map<string, number>([['p1', 1.8], ['p2', 1.8]]);
    k.scheduler.defineCondition({
      name: 'liquidation-risk',
      filter: { types: ['HealthChanged'] },
      subjectOf: (e) => (e.data as { positionId: string }).positionId,
      holds: (subject) => {
        const hf = healthFactor.get(subject) ?? Infinity;
        return hf < 1.1 ? { holds: true, evidence: { hf } } : { holds: false };
      },
    });
    await k.scheduler.whenCondition({ condition: 'liquidation-risk', subject: 'p1', onTrue: 'record', timeoutMs: 60_000, onTimeout: 'record2' });
    await k.scheduler.whenCondition({ condition: 'liquidation-risk', subject: 'p2', onTrue: 'record', timeoutMs: 60_000, onTimeout: 'record2' });
    const event = (position: string, globalPosition: number) => ({
      id: `e${globalPosition}`,
      stream: `position-${position}`,
      type: 'HealthChanged',
      data: { positionId: position },
      metadata: {},
      streamVersion: 1,
      globalPosition,
      timestamp: t0,
    });
    healthFactor.set('p1', 1.3);
    await k.scheduler.handleEvents([event('p1', 1)]);
    expect(await k.advance(1)).toBe(0);
    healthFactor.set('p1', 1.05);
    await k.scheduler.handleEvents([event('p1', 2), event('p1', 3)]);
    await k.advance(1);
    await k.advance(60_000);
    expect(k.fired.map((f) => [f.timer.waitKey, f.reason, f.match?.payload ?? null])).toEqual([
      ['liquidation-risk:p1', 'matched', { hf: 1.05 }],
      ['liquidation-risk:p2', 'timeout', null],
    ]);
  });

  it('re-checks the condition of every subject an event names when subjectOf returns several', async () => {
    const k = kit();
    const price = new Map<string, number>([['eth', 3_000]]);
    const assetOf: Record<string, string> = { p1: 'eth', p2: 'eth', p3: 'btc' };
    const checked: string[] = [];
    k.scheduler.defineCondition({
      name: 'below-3000',
      filter: { types: ['PriceMoved'] },
      // One price move concerns every position on that asset.
      subjectOf: (e) => (e.data as { positions: string[] }).positions,
      holds: (subject) => {
        checked.push(subject);
        const p = price.get(assetOf[subject] ?? '') ?? Infinity;
        return p < 3_000 ? { holds: true, evidence: { price: p } } : { holds: false };
      },
    });
    for (const subject of ['p1', 'p2', 'p3']) await k.scheduler.whenCondition({ condition: 'below-3000', subject, onTrue: 'record' });
    checked.length = 0;
    price.set('eth', 2_500);
    const move = { id: 'e1', stream: 'prices-eth', type: 'PriceMoved', data: { positions: ['p1', 'p2', 'p1'] }, metadata: {}, streamVersion: 1, globalPosition: 1, timestamp: t0 };
    await k.scheduler.handleEvents([move]);
    await k.advance(0);
    expect(checked).toEqual(['p1', 'p2']);
    expect(k.fired.map((f) => [f.timer.waitKey, f.match?.payload ?? null]).sort()).toEqual([
      ['below-3000:p1', { price: 2_500 }],
      ['below-3000:p2', { price: 2_500 }],
    ]);
    expect(await k.scheduler.get('condition:below-3000:p3')).toMatchObject({ state: 'pending' });
    // An empty list concerns no subject.
    await k.scheduler.handleEvents([{ ...move, id: 'e2', globalPosition: 2, data: { positions: [] } }]);
    expect(checked).toEqual(['p1', 'p2']);
  });

  it('runs an event-triggered handler once per matching appended event, through the store subscription', async () => {
    const events = new MemoryEventStore();
    const store = new MemoryTimerStore();
    const seen: JsonValue[] = [];
    const scheduler = new Scheduler({ store, eventStore: events, pollIntervalMs: 20, nodeId: 'a' });
    scheduler.handle('onLargeTrade', (f) => void seen.push(f.payload));
    scheduler.onEvent({ name: 'large-trade', filter: { types: ['TradeExecuted'], streamPrefix: 'trade-' }, handler: 'onLargeTrade', payloadOf: (e) => (e.data as { id: string }).id });
    // A second node with the same triggers: each event still fires once in total.
    const other = new Scheduler({ store, eventStore: events, pollIntervalMs: 20, nodeId: 'b' });
    other.handle('onLargeTrade', (f) => void seen.push(f.payload));
    other.onEvent({ name: 'large-trade', filter: { types: ['TradeExecuted'], streamPrefix: 'trade-' }, handler: 'onLargeTrade', payloadOf: (e) => (e.data as { id: string }).id });
    scheduler.start();
    other.start();
    try {
      await events.append('trade-1', [{ type: 'TradeExecuted', data: { id: 't1' } }, { type: 'TradeQuoted', data: { id: 'q1' } }]);
      const r = await events.append('trade-2', [{ type: 'TradeExecuted', data: { id: 't2' } }]);
      await events.append('order-1', [{ type: 'TradeExecuted', data: { id: 'not-a-trade-stream' } }]);
      await scheduler.triggersCaughtUp(r.lastGlobalPosition + 1, 5_000);
      await other.triggersCaughtUp(r.lastGlobalPosition + 1, 5_000);
      const deadline = Date.now() + 5_000;
      while (seen.length < 2 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
      await new Promise((res) => setTimeout(res, 100));
    } finally {
      await scheduler.stop();
      await other.stop();
    }
    expect([...seen].sort()).toEqual(['t1', 't2']);
  });
});

describe('Scheduler: bad input gets a typed error and nothing is stored', () => {
  it('refuses an invalid cron, an unknown trigger kind, an unregistered handler and a bad payload', async () => {
    const k = kit();
    k.scheduler.handle('typed', () => undefined, { payload: z.object({ positionId: z.string() }) });
    expect(await codeOf(k.scheduler.cron({ id: 'bad', expression: '61 * * * *', handler: 'record', misfire: 'skip' }))).toBe('SCHEDULE_INVALID');
    expect(await codeOf(k.scheduler.cron({ id: 'bad2', expression: 'every minute', handler: 'record', misfire: 'skip' }))).toBe('SCHEDULE_INVALID');
    expect(await codeOf(k.scheduler.arm({ trigger: 'sometimes', id: 'bad3' } as never))).toBe('SCHEDULE_INVALID');
    expect(await codeOf(k.scheduler.schedule({ id: 'bad4', delayMs: 1, handler: 'nobody' }))).toBe('SCHEDULE_INVALID');
    expect(await codeOf(k.scheduler.schedule({ id: 'bad5', delayMs: 1, handler: 'typed', payload: { positionId: 42 } }))).toBe('VALIDATION_FAILED');
    expect(await codeOf(k.scheduler.waitFor({ key: 'k', timeoutMs: -1, onMatch: 'record', onTimeout: 'record' }))).toBe('SCHEDULE_INVALID');
    const badRetry = { maxAttempts: 0, baseDelayMs: 1_000, maxDelayMs: 500 };
    expect(await codeOf(k.scheduler.cron({ id: 'bad6', expression: '* * * * *', handler: 'record', misfire: 'skip', retry: badRetry }))).toBe('SCHEDULE_INVALID');
    expect(await k.store.list({})).toEqual([]);
  });

  it('refuses a malformed callback payload for a wait key with a contract, and stores no arrival', async () => {
    const k = kit();
    k.scheduler.defineExternal('tx:', z.object({ confirmations: z.number().int().min(0) }));
    expect(await codeOf(k.scheduler.deliverExternal('tx:1', { confirmations: 'twelve' }))).toBe('VALIDATION_FAILED');
    expect(await k.store.arrivals('tx:1')).toEqual([]);
    expect((await k.scheduler.deliverExternal('tx:1', { confirmations: 3 })).arrival.status).toBe('stored');
  });
});

describe('Scheduler: the firing loop (real clock)', () => {
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('condition not reached in time');
      await sleep(10);
    }
  }

  it('does not let a slow handler hold up timers due after it', async () => {
    const store = new MemoryTimerStore();
    const order: string[] = [];
    let release: () => void = () => undefined;
    const scheduler = new Scheduler({ store, nodeId: 'a', pollIntervalMs: 50 })
      .handle('slow', async () => {
        order.push('slow started');
        await new Promise<void>((r) => (release = r));
        order.push('slow finished');
      })
      .handle('quick', () => void order.push('quick'));
    await scheduler.schedule({ id: 'slow', delayMs: 0, handler: 'slow' });
    await scheduler.schedule({ id: 'quick', delayMs: 100, handler: 'quick' });
    scheduler.start();
    try {
      await until(() => order.includes('quick'));
      release();
      await until(async () => (await store.get('slow'))?.state === 'done');
    } finally {
      release();
      await scheduler.stop();
    }
    expect(order).toEqual(['slow started', 'quick', 'slow finished']);
  });

  it('does not fire a timer claimed ahead of time that is cancelled before it is due, here or on another node', async () => {
    const store = new MemoryTimerStore();
    const fired: string[] = [];
    const record = (f: TimerFiring): void => void fired.push(f.timer.id);
    const a = new Scheduler({ store, nodeId: 'a', prefetchMs: 5_000, pollIntervalMs: 50 }).handle('record', record);
    const b = new Scheduler({ store, nodeId: 'b' }).handle('record', record);
    await a.schedule({ id: 'local', delayMs: 600, handler: 'record' });
    await a.schedule({ id: 'remote', delayMs: 600, handler: 'record' });
    await a.schedule({ id: 'kept', delayMs: 600, handler: 'record' });
    a.start();
    try {
      await until(async () => (await store.list({ state: 'pending' })).every((t) => t.claimedBy === 'a'));
      expect(await a.cancel('local')).toBe(true);
      expect(await b.cancel('remote')).toBe(true);
      await until(() => fired.includes('kept'));
      await sleep(100);
    } finally {
      await a.stop();
    }
    expect(fired).toEqual(['kept']);
    expect(await store.get('remote')).toMatchObject({ state: 'cancelled' });
  });

  it('gives back timers claimed ahead when stopping, so another node fires them on time, not after the lease', async () => {
    const store = new MemoryTimerStore();
    const fired: string[] = [];
    const a = new Scheduler({ store, nodeId: 'a', prefetchMs: 5_000, leaseMs: 60_000 }).handle('record', () => void fired.push('a'));
    const b = new Scheduler({ store, nodeId: 'b', pollIntervalMs: 50, leaseMs: 60_000 }).handle('record', () => void fired.push('b'));
    await a.schedule({ id: 'handover', delayMs: 400, handler: 'record' });
    a.start();
    await until(async () => (await store.get('handover'))?.claimedBy === 'a');
    await a.stop();
    b.start();
    try {
      await until(() => fired.length > 0, 5_000);
    } finally {
      await b.stop();
    }
    expect(fired).toEqual(['b']);
    expect((await b.history('handover')).map((o) => [o.outcome, o.node])).toEqual([['fired', 'b']]);
  });

  it('renews the lease of a handler running longer than it, so no other node runs it meanwhile', async () => {
    const store = new MemoryTimerStore();
    const runs: string[] = [];
    const slow = (node: string) => async (): Promise<void> => {
      runs.push(node);
      await sleep(2_500);
    };
    // Renewed every third of the lease: a stall of the loaded test machine under ~600 ms is tolerated.
    const options = { store, pollIntervalMs: 50, leaseMs: 1_000 };
    const a = new Scheduler({ ...options, nodeId: 'a' }).handle('slow', slow('a'));
    const b = new Scheduler({ ...options, nodeId: 'b' }).handle('slow', slow('b'));
    await a.schedule({ id: 'long', delayMs: 0, handler: 'slow' });
    a.start();
    await until(() => runs.length === 1);
    b.start();
    try {
      await until(async () => (await store.get('long'))?.state === 'done', 10_000);
    } finally {
      await a.stop();
      await b.stop();
    }
    expect(runs).toEqual(['a']);
    expect((await a.history('long')).map((o) => [o.outcome, o.node])).toEqual([['fired', 'a']]);
  });
});

describe('Scheduler: handler slots', () => {
  it('runs at most maxInFlight handlers at once; the others wait their turn in due order', async () => {
    const store = new MemoryTimerStore();
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const scheduler = new Scheduler({ store, nodeId: 'a', batchSize: 10, maxInFlight: 2 }).handle<{ n: number }>('work', async (f) => {
      running++;
      most = Math.max(most, running);
      order.push(f.payload.n);
      await new Promise((r) => setTimeout(r, 5));
      running--;
    });
    const now = Date.now();
    for (let n = 0; n < 7; n++) await scheduler.schedule({ id: `w${n}`, dueAt: now - 100 + n, handler: 'work', payload: { n } });
    expect(await scheduler.runDue()).toBe(7);
    expect(most).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});
