// The price oracle: quotes checked by the contract and prices.decide, polled from the exchange on a cron, the latest price read back.
import { describe, expect, it } from 'vitest';
import { FunctionManager, MemoryEventStore, MemoryTimerStore, Scheduler } from '@lucent/runtime';
import { functionRegistry } from '../registry/functionRegistry.js';
import { SimulatedExchangeFeed } from '../ports/simulatedExchangeFeed.js';
import { PriceOracle, type PollOutcome } from './priceOracle.js';

const t0 = Date.UTC(2025, 5, 1, 9, 0, 0);

function oracleOnVirtualClock(options: { pollExpression?: string | null; assets?: readonly string[] } = {}) {
  let now = t0;
  const clock = () => now;
  const events = new MemoryEventStore();
  const scheduler = new Scheduler({ store: new MemoryTimerStore(), clock, eventStore: events, nodeId: 'test' });
  const functions = new FunctionManager({ clock }).register(functionRegistry);
  const feed = new SimulatedExchangeFeed({ clock });
  const oracle = new PriceOracle({ events, scheduler, functions, feed, clock, pollExpression: options.pollExpression ?? null, ...(options.assets && { assets: options.assets }) });
  const advance = async (ms: number) => {
    now += ms;
    await scheduler.runDue();
  };
  const stored = async (asset: string) => (await events.readStream(`prices-${asset}`)).map((e) => e.data);
  return { events, scheduler, functions, feed, oracle, advance, stored, tick: (ms = 1) => (now += ms) };
}

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as { code: string; details?: { rule?: string; issues?: { path: string }[] } },
  );

describe('price oracle', () => {
  it('records a pushed quote, stamped with its clock and from the operator unless it says', async () => {
    const s = oracleOnVirtualClock();
    const r = await s.oracle.observe({ asset: 'ETH', priceUsd: 2_400 });
    expect(r).toMatchObject({ asset: 'ETH', recorded: true, latest: { version: 1, observation: { priceUsd: 2_400, source: 'operator', observedAt: t0 } } });
    expect(await s.oracle.latest('ETH')).toEqual(r.latest);
    expect(await s.oracle.latest('BTC')).toBeUndefined();
  });

  it('refuses a malformed quote naming the field, and stores nothing', async () => {
    const s = oracleOnVirtualClock();
    const cases: [unknown, string][] = [
      [{ asset: 'ETH', priceUsd: -1 }, 'priceUsd'],
      [{ asset: 'ETH', priceUsd: 'cheap' }, 'priceUsd'],
      [{ asset: 'ETH' }, 'priceUsd'],
      [{ asset: 'eth', priceUsd: 1 }, 'asset'],
      [{ asset: 'ETH', priceUsd: 1, observedAt: 'now' }, 'observedAt'],
    ];
    for (const [quote, field] of cases) {
      const error = await refusal(s.oracle.observe(quote));
      expect(error?.code).toBe('VALIDATION_FAILED');
      expect(error?.details?.issues?.map((i) => i.path)).toContain(field);
    }
    expect(await s.events.streamVersion('prices-ETH')).toBe(0);
  });

  it('refuses what prices.decide refuses (stale, beyond the circuit breaker) and keeps the last price', async () => {
    const s = oracleOnVirtualClock();
    await s.oracle.observe({ asset: 'ETH', priceUsd: 3_000 });
    s.tick(1_000);
    expect((await refusal(s.oracle.observe({ asset: 'ETH', priceUsd: 1_000 })))?.details?.rule).toBe('price.circuitBreaker');
    expect((await refusal(s.oracle.observe({ asset: 'ETH', priceUsd: 2_900, observedAt: t0 })))?.details?.rule).toBe('price.stale');
    expect(await s.stored('ETH')).toEqual([{ asset: 'ETH', priceUsd: 3_000, source: 'operator', observedAt: t0 }]);
  });

  it('never records two writers out of order: a loser decides again on the winner’s quote', async () => {
    const s = oracleOnVirtualClock();
    await s.oracle.observe({ asset: 'ETH', priceUsd: 3_000 });
    const settled = await Promise.allSettled([
      s.oracle.observe({ asset: 'ETH', priceUsd: 2_900, observedAt: t0 + 2 }),
      s.oracle.observe({ asset: 'ETH', priceUsd: 2_800, observedAt: t0 + 1 }),
    ]);
    const times = (await s.stored('ETH')).map((d) => (d as { observedAt: number }).observedAt);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(times).size).toBe(times.length);
    expect(times.at(-1)).toBe(t0 + 2);
    // Both read the same last price, so one append conflicted; the older quote, retried, was refused as stale.
    expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect(settled[1]).toMatchObject({ status: 'rejected', reason: { code: 'RULE_VIOLATED', details: { rule: 'price.stale' } } });
  });

  it('polls the exchange on its cron: records each asset, skips an unmoved price until the heartbeat', async () => {
    const s = oracleOnVirtualClock({ pollExpression: '*/10 * * * * *' });
    await s.oracle.arm();
    await s.advance(10_000);
    expect(await s.stored('ETH')).toEqual([{ asset: 'ETH', priceUsd: 3_000, source: 'simulated-exchange', observedAt: expect.any(Number) }]);
    expect(await s.stored('BTC')).toHaveLength(1);
    s.feed.set('ETH', 2_900);
    await s.advance(10_000);
    expect((await s.stored('ETH')).map((d) => (d as { priceUsd: number }).priceUsd)).toEqual([3_000, 2_900]);
    // BTC did not move: nothing new within the hour.
    expect(await s.stored('BTC')).toHaveLength(1);
  });

  it('keeps polling the other assets when the exchange fails for one', async () => {
    const s = oracleOnVirtualClock({ assets: ['SOL', 'ETH'] });
    const outcomes: PollOutcome[] = await s.oracle.pollOnce();
    expect(outcomes).toEqual([
      { asset: 'SOL', refused: 'UNAVAILABLE', message: expect.stringContaining('SOL') },
      { asset: 'ETH', recorded: true },
    ]);
  });

  it('cancels a stored poll job when polling is turned off', async () => {
    const s = oracleOnVirtualClock({ pollExpression: '*/10 * * * * *' });
    await s.oracle.arm();
    expect(await s.scheduler.get('crypto.price-poll')).toMatchObject({ state: 'pending' });
    const off = new PriceOracle({ events: s.events, scheduler: s.scheduler, functions: s.functions, pollExpression: null });
    await off.arm();
    expect(await s.scheduler.get('crypto.price-poll')).toMatchObject({ state: 'cancelled' });
  });
});
