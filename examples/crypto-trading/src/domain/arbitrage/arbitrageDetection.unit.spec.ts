// Cross-venue and triangular arbitrage on hand-checkable quotes, through the class-style @LucentFunction registration.
import { describe, expect, it } from 'vitest';
import { execute, functionOf, functionsOf } from '@lucent/core';
import { FunctionManager } from '@lucent/runtime';
import { ArbitrageDetection } from './arbitrageDetection.js';

const spread = functionOf(ArbitrageDetection, 'crossVenueSpread');
const triangular = functionOf(ArbitrageDetection, 'triangular');
const manager = new FunctionManager({ clock: () => 0 }).register(...functionsOf(ArbitrageDetection));

describe('@LucentFunction on ArbitrageDetection', () => {
  it('registers both static methods with their metadata', () => {
    expect(functionsOf(ArbitrageDetection).map((f) => f.name).sort()).toEqual(['arbitrage.crossVenueSpread', 'arbitrage.triangular']);
    expect(triangular.meta).toMatchObject({ shardAffinity: ['arbitrage'], priority: 'high' });
  });
});

describe('arbitrage.crossVenueSpread', () => {
  it('counts taker fees on both legs and slippage', async () => {
    // cost     = 0.5 · 60 000 · 1.0005 · 1.0026 = 30 015 · 1.0026    = 30 093.039
    // proceeds = 0.5 · 60 600 · 0.9995 · 0.999  = 30 284.85 · 0.999   = 30 254.56515
    // net      = 30 254.56515 − 30 093.039 = 161.52615; gross = 0.5 · 600 = 300
    const { output } = await execute(
      spread,
      {
        buy: { venue: 'kraken', price: 60_000, takerFeeRate: 0.0026, slippageRate: 0.0005 },
        sell: { venue: 'binance', price: 60_600, takerFeeRate: 0.001, slippageRate: 0.0005 },
        quantity: 0.5,
      },
      { now: 0 },
    );
    expect(output.profitable).toBe(true);
    expect(output.buyCost).toBeCloseTo(30_093.039, 6);
    expect(output.sellProceeds).toBeCloseTo(30_254.56515, 6);
    expect(output.netProfit).toBeCloseTo(161.52615, 6);
    expect(output.grossProfit).toBeCloseTo(300, 9);
    expect(output.netReturn).toBeCloseTo(161.52615 / 30_093.039, 12);
  });

  it('says a positive gross spread that fees eat is not profitable', async () => {
    // cost = 60 000 · 1.001 = 60 060; proceeds = 60 100 · 0.999 = 60 039.9; net = −20.1
    const { output } = await execute(
      spread,
      { buy: { venue: 'a', price: 60_000, takerFeeRate: 0.001 }, sell: { venue: 'b', price: 60_100, takerFeeRate: 0.001 }, quantity: 1 },
      { now: 0 },
    );
    expect(output.grossProfit).toBe(100);
    expect(output.profitable).toBe(false);
    expect(output.netProfit).toBeCloseTo(-20.1, 9);
  });

  it('names the field of a fee of 100% or more', async () => {
    const error = await manager
      .invoke('arbitrage.crossVenueSpread', { buy: { venue: 'a', price: 1, takerFeeRate: 1 }, sell: { venue: 'b', price: 2, takerFeeRate: 0 }, quantity: 1 })
      .catch((e: unknown) => e as { code: string; issues: { path: string }[] });
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: 'buy.takerFeeRate' }] });
  });

  it('refuses a quantity or a price below its minimum, which made the return 0/0', async () => {
    const leg = { venue: 'a', price: 3000, takerFeeRate: 0 };
    const refusal = (input: unknown) => manager.invoke('arbitrage.crossVenueSpread', input).catch((e: unknown) => e as { code: string; issues: { path: string }[] });
    expect(await refusal({ buy: leg, sell: leg, quantity: 5e-324 })).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: 'quantity' }] });
    expect(await refusal({ buy: { ...leg, price: 5e-324 }, sell: leg, quantity: 1 })).toMatchObject({ issues: [{ path: 'buy.price' }] });
  });

  it('answers finite numbers at the extremes of its contract', async () => {
    // Cheapest buy, dearest sell, smallest quantity: the return is about 10^12 / 10^-12 = 10^24.
    const { output } = await manager.invoke('arbitrage.crossVenueSpread', {
      buy: { venue: 'a', price: 1e-12, takerFeeRate: 0 },
      sell: { venue: 'b', price: 1e12, takerFeeRate: 0 },
      quantity: 1e-18,
    });
    expect((output as { netReturn: number }).netReturn).toBeCloseTo(1e24, -12);
  });
});

// A 3-currency market with one profitable loop, USDT → ETH → BTC → USDT:
//   0.0005 ETH/USDT · 0.05 BTC/ETH · 41 000 USDT/BTC = 1.025 before fees
// and every other loop losing: the reverse 1/41 100 · 19.9 · 1 999 = 0.9679, and the round trips
// USDT⇄ETH 0.0005 · 1 999 = 0.9995, ETH⇄BTC 0.05 · 19.9 = 0.995, BTC⇄USDT 41 000/41 100 = 0.9976.
const market = (feeRate: number) => [
  { from: 'USDT', to: 'ETH', rate: 0.0005, feeRate },
  { from: 'ETH', to: 'USDT', rate: 1999, feeRate },
  { from: 'ETH', to: 'BTC', rate: 0.05, feeRate },
  { from: 'BTC', to: 'ETH', rate: 19.9, feeRate },
  { from: 'BTC', to: 'USDT', rate: 41_000, feeRate },
  { from: 'USDT', to: 'BTC', rate: 1 / 41_100, feeRate },
];

describe('arbitrage.triangular', () => {
  it('finds USDT → ETH → BTC → USDT and its profit after a 0.1% fee per trade', async () => {
    // 1.025 · 0.999³ = 1.025 · 0.997002999 = 1.021928074
    const { output } = await execute(triangular, { rates: market(0.001), startCurrency: 'USDT' }, { now: 0 });
    expect(output.found).toBe(true);
    if (!output.found) return;
    expect(output.cycle).toEqual(['USDT', 'ETH', 'BTC', 'USDT']);
    expect(output.profitFactor).toBeCloseTo(1.021928073975, 12);
    expect(output.profitRate).toBeCloseTo(0.021928073975, 12);
    expect(output.legs.map((l) => [l.from, l.to])).toEqual([['USDT', 'ETH'], ['ETH', 'BTC'], ['BTC', 'USDT']]);
    expect(output.legs[0]!.effectiveRate).toBeCloseTo(0.0005 * 0.999, 15);
  });

  it('finds the same cycle whatever order the quotes come in', async () => {
    const shuffled = [...market(0.001)].reverse();
    const { output } = await execute(triangular, { rates: shuffled, startCurrency: 'USDT' }, { now: 0 });
    expect(output).toMatchObject({ found: true, cycle: ['USDT', 'ETH', 'BTC', 'USDT'] });
  });

  it('reports none found, not an error, when 1% fees eat the 2.5% edge', async () => {
    // 1.025 · 0.99³ = 1.025 · 0.970299 = 0.994556 < 1
    const { output } = await execute(triangular, { rates: market(0.01) }, { now: 0 });
    expect(output).toEqual({ found: false });
  });

  it('reports none found in a fair market whose rates multiply to exactly 1', async () => {
    // (1/3 000) · 0.05 · 60 000 = 1: no profit, and rounding must not invent one.
    const fair = [
      { from: 'USDT', to: 'ETH', rate: 1 / 3000 },
      { from: 'ETH', to: 'BTC', rate: 0.05 },
      { from: 'BTC', to: 'USDT', rate: 60_000 },
    ];
    expect((await execute(triangular, { rates: fair }, { now: 0 })).output).toEqual({ found: false });
  });

  it('uses the best of several venues quoting the same pair', async () => {
    // With USDT → ETH at 0.00049 only, the loop is 0.00049 · 0.05 · 41 000 = 1.0045 before fees;
    // a second venue at 0.0005 makes it 1.025, and that is the one reported.
    const rates = [...market(0), { from: 'USDT', to: 'ETH', rate: 0.00049 }];
    const { output } = await execute(triangular, { rates, startCurrency: 'USDT' }, { now: 0 });
    expect(output).toMatchObject({ found: true, cycle: ['USDT', 'ETH', 'BTC', 'USDT'] });
    if (output.found) expect(output.profitFactor).toBeCloseTo(1.025, 12);
  });

  it('names the quote that trades a currency for itself', async () => {
    const error = await manager
      .invoke('arbitrage.triangular', { rates: [...market(0), { from: 'ETH', to: 'ETH', rate: 1.1 }] })
      .catch((e: unknown) => e as { code: string; issues: { path: string }[] });
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: 'rates.6.to' }] });
  });

  // Thirty currencies in a ring: C00 → C01 → … → C29 → C00.
  const ring = (rateOf: (i: number) => number) =>
    Array.from({ length: 30 }, (_, i) => ({ from: `C${String(i).padStart(2, '0')}`, to: `C${String((i + 1) % 30).padStart(2, '0')}`, rate: rateOf(i) }));

  it('refuses quotes whose cycle multiplies beyond any number (30 legs at 10^12) as a rule violation, not Infinity', async () => {
    const error = await manager.invoke('arbitrage.triangular', { rates: ring(() => 1e12) }).catch((e: unknown) => e as { code: string; details: unknown });
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'arbitrage.implausibleQuotes' } });
  });

  it('multiplies a cycle whose partial products overflow but whose product does not', async () => {
    // 26 legs at 10^12 (10^312 so far, beyond a double) then 4 at 10^-12: the product is 10^264.
    const { output } = await manager.invoke('arbitrage.triangular', { rates: ring((i) => (i < 26 ? 1e12 : 1e-12)), startCurrency: 'C00' });
    expect(output).toMatchObject({ found: true, cycle: expect.arrayContaining(['C00', 'C25', 'C29']) });
    expect((output as { profitFactor: number }).profitFactor / 1e264).toBeCloseTo(1, 10);
  });
});
