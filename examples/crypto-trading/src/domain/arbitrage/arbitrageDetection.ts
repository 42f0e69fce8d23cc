// Arbitrage detection, written class-style with @LucentFunction: cross-venue spreads and triangular cycles.
import { z } from 'zod';
import { LucentFunction, RuleViolationError, type FunctionContext } from '@lucent/core';
import { feeRate, positiveAssetAmount, positivePrice } from '../bounds.js';
import { findNegativeCycle, type WeightedEdge } from './negativeCycle.js';

const Currency = z.string().min(1).max(20);
/** A venue's price or an exchange rate, in units of the quote currency per unit. */
const Rate = positivePrice;

const Leg = z.object({
  venue: z.string().min(1).max(50),
  /** Best ask on the buying venue, best bid on the selling venue, in the quote currency. */
  price: Rate,
  takerFeeRate: feeRate,
  /** Expected adverse move of the fill price against the quote, for the size traded. */
  slippageRate: feeRate.optional(),
});

const SpreadInput = z.object({ buy: Leg, sell: Leg, quantity: positiveAssetAmount });
type SpreadInput = z.infer<typeof SpreadInput>;

const SpreadOutput = z.object({
  profitable: z.boolean(),
  /** All amounts are in the quote currency. */
  netProfit: z.number(),
  grossProfit: z.number(),
  buyCost: z.number(),
  sellProceeds: z.number(),
  /** Net profit over the capital spent on the buy leg. */
  netReturn: z.number(),
});
type SpreadOutput = z.infer<typeof SpreadOutput>;

const maxCurrencies = 100;

const TriangularInput = z
  .object({
    /** Quotes: one unit of `from` buys `rate` units of `to` (before `feeRate`). */
    rates: z
      .array(z.object({ from: Currency, to: Currency, rate: Rate, feeRate: feeRate.optional() }))
      .min(2)
      .max(2_000),
    /** Rotate a found cycle to start (and end) here when it passes through this currency. */
    startCurrency: Currency.optional(),
  })
  .superRefine((input, issues) => {
    const currencies = new Set<string>();
    input.rates.forEach((r, i) => {
      if (r.from === r.to) issues.addIssue({ code: 'custom', path: ['rates', i, 'to'], message: 'must differ from `from`' });
      currencies.add(r.from).add(r.to);
    });
    if (currencies.size > maxCurrencies) {
      issues.addIssue({ code: 'custom', path: ['rates'], message: `at most ${maxCurrencies} currencies` });
    }
  });
type TriangularInput = z.infer<typeof TriangularInput>;

const TriangularOutput = z.discriminatedUnion('found', [
  z.object({
    found: z.literal(true),
    /** Currencies in trading order, first and last the same: ['USDT', 'ETH', 'BTC', 'USDT']. */
    cycle: z.array(z.string()).min(3),
    legs: z.array(z.object({ from: z.string(), to: z.string(), effectiveRate: z.number() })),
    /** Units of the start currency after one round trip per unit put in (after fees). */
    profitFactor: z.number(),
    profitRate: z.number(),
  }),
  z.object({ found: z.literal(false) }),
]);
type TriangularOutput = z.infer<typeof TriangularOutput>;

/**
 * The product of `factors`, overflowing only when the product itself does: the running product is
 * kept within 2^±500 by exact powers of two, so a cycle of large and small rates in any order
 * gives the same result as multiplying them in a favourable one.
 */
function productOf(factors: readonly number[]): number {
  let mantissa = 1;
  let exponent = 0;
  for (const f of factors) {
    mantissa *= f;
    if (mantissa > 2 ** 500 || mantissa < 2 ** -500) {
      const shift = Math.floor(Math.log2(mantissa));
      mantissa /= 2 ** shift;
      exponent += shift;
    }
  }
  // Two steps: 2^exponent alone may overflow (or underflow) where the whole product does not.
  const half = Math.trunc(exponent / 2);
  return mantissa * 2 ** half * 2 ** (exponent - half);
}

// @LucentFunction checks a method against (input, ctx) => Out | Promise<Out> exactly (the descriptor
// type is invariant), so the methods are declared with that signature; they always return synchronously.
type Returns<Out> = Out | Promise<Out>;

export class ArbitrageDetection {
  /*
   * Two-leg arbitrage P&L: buy `quantity` on one venue at its ask and sell it on another at its
   * bid, each leg paying its taker fee on notional and losing its slippage:
   *   cost     = q · ask · (1 + slippage_buy) · (1 + fee_buy)
   *   proceeds = q · bid · (1 − slippage_sell) · (1 − fee_sell)
   *   net      = proceeds − cost
   * the elementary accounting behind studies of cross-exchange crypto arbitrage such as
   * Makarov & Schoar, "Trading and arbitrage in cryptocurrency markets", JFE 2020.
   * Quantity and prices have positive minimums (bounds.ts), so the cost is at least
   * 10^-18 · 10^-12 and the net return, at most about sell/buy price = 10^24, is finite.
   */
  @LucentFunction({
    name: 'arbitrage.crossVenueSpread',
    version: '1.1.0',
    description: 'Buy on one venue, sell on another: profit net of taker fees on both legs and slippage',
    shardAffinity: ['arbitrage'],
    priority: 'high',
    timeoutMs: 250,
    resources: { cpu: 1, memory: 1 },
    tags: ['arbitrage', 'spread'],
    input: SpreadInput,
    output: SpreadOutput,
  })
  static crossVenueSpread({ buy, sell, quantity }: SpreadInput, _ctx: FunctionContext): Returns<SpreadOutput> {
    const buyCost = quantity * buy.price * (1 + (buy.slippageRate ?? 0)) * (1 + buy.takerFeeRate);
    const sellProceeds = quantity * sell.price * (1 - (sell.slippageRate ?? 0)) * (1 - sell.takerFeeRate);
    const netProfit = sellProceeds - buyCost;
    return {
      profitable: netProfit > 0,
      netProfit,
      grossProfit: quantity * (sell.price - buy.price),
      buyCost,
      sellProceeds,
      netReturn: netProfit / buyCost,
    };
  }

  /*
   * Triangular (more generally cyclic) arbitrage: a cycle of trades whose effective rates
   * multiply to more than 1 is a cycle whose −log(rate) weights sum below 0, which Bellman–Ford
   * finds (CLRS 3rd ed., §24.1 and Problem 24-3 "Arbitrage"). Fees enter as
   * effective rate = rate · (1 − feeRate). Bellman–Ford returns *a* profitable cycle, not
   * necessarily the most profitable one (finding that is NP-hard in general).
   *
   * Not `heavy`: at most 100 currencies and 2 000 quotes is at most 2·10^5 relaxations a round,
   * and rounds stop as soon as nothing relaxes, which for real quote sets is a few rounds —
   * well under a millisecond, less than handing the call to a worker thread would cost.
   *
   * Rates lie in [10^-12, 10^12] (bounds.ts), so every −log weight is finite; but a cycle through
   * up to 100 currencies could multiply to more than a number holds (26 legs at 10^12 each). No
   * market quotes that: such quotes are refused as a rule violation instead of returning Infinity.
   */
  @LucentFunction({
    name: 'arbitrage.triangular',
    version: '1.1.0',
    description: 'Find a cycle of trades whose rates after fees multiply above 1 (Bellman–Ford on −log rate)',
    shardAffinity: ['arbitrage'],
    priority: 'high',
    timeoutMs: 1_000,
    resources: { cpu: 3, memory: 2 },
    tags: ['arbitrage', 'triangular', 'graph'],
    input: TriangularInput,
    output: TriangularOutput,
  })
  static triangular({ rates, startCurrency }: TriangularInput, _ctx: FunctionContext): Returns<TriangularOutput> {
    // Sorted ids make the answer independent of the order quotes arrive in.
    const currencies = [...new Set(rates.flatMap((r) => [r.from, r.to]))].sort();
    const index = new Map(currencies.map((c, i) => [c, i]));
    // Several quotes for one pair (several venues): only the best effective rate matters.
    const best = new Map<string, { from: number; to: number; effectiveRate: number }>();
    for (const r of rates) {
      const from = index.get(r.from)!;
      const to = index.get(r.to)!;
      const effectiveRate = r.rate * (1 - (r.feeRate ?? 0));
      const key = `${from}>${to}`;
      if ((best.get(key)?.effectiveRate ?? 0) < effectiveRate) best.set(key, { from, to, effectiveRate });
    }
    const edges: WeightedEdge[] = [...best.values()].map((e) => ({ from: e.from, to: e.to, weight: -Math.log(e.effectiveRate) }));
    const found = findNegativeCycle(currencies.length, edges);
    if (found === undefined) return { found: false };

    let loop = found.slice(0, -1);
    const start = startCurrency === undefined ? -1 : loop.indexOf(index.get(startCurrency) ?? -1);
    if (start > 0) loop = [...loop.slice(start), ...loop.slice(0, start)];
    const legs = loop.map((from, i) => {
      const to = loop[(i + 1) % loop.length]!;
      return { from: currencies[from]!, to: currencies[to]!, effectiveRate: best.get(`${from}>${to}`)!.effectiveRate };
    });
    const profitFactor = productOf(legs.map((leg) => leg.effectiveRate));
    if (!(profitFactor > 1)) return { found: false };
    if (!Number.isFinite(profitFactor)) {
      throw new RuleViolationError(
        'arbitrage.implausibleQuotes',
        `The quotes around ${legs.map((l) => l.from).join(' → ')} multiply to more than ${Number.MAX_VALUE}: they are not quotes of one market`,
        { cycle: [...legs.map((l) => l.from), legs[0]!.from] },
      );
    }
    return {
      found: true,
      cycle: [...legs.map((l) => l.from), legs[0]!.from],
      legs,
      profitFactor,
      profitRate: profitFactor - 1,
    };
  }
}
