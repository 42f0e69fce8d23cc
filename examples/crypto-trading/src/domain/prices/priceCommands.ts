// The quote an exchange or an operator reports, and the command that asks the price decider to record it.
import { z } from 'zod';
import { positivePrice } from '../bounds.js';
import { AssetSymbol } from './priceEvents.js';

/** A reported price: the contract of the push endpoint's body and of every polled quote. */
export const PriceQuote = z.object({
  asset: AssetSymbol,
  /** From 10^-12 to 10^12 USD (bounds.ts): the range the risk functions price collateral in. */
  priceUsd: positivePrice,
  source: z.string().min(1).max(100).default('operator'),
  /** When the source saw the price (epoch ms); the oracle's clock when omitted. */
  observedAt: z.number().int().nonnegative().optional(),
});

export type PriceQuote = z.infer<typeof PriceQuote>;

/** The oracle's configured bounds on a quote, handed to the pure decider with each command. */
export const PriceGuards = z.object({
  /** Circuit breaker: the largest move from the last observation, as (max − min) / max. */
  maxMove: z.number().positive().max(1),
  /** A move smaller than this is not recorded unless the heartbeat has passed. */
  minMove: z.number().nonnegative().max(1),
  /** Record an unchanged price at least this often (ms), so the latest price never looks abandoned. */
  heartbeatMs: z.number().int().nonnegative(),
  /** How far ahead of the decider's clock a quote may be stamped (clock skew between machines). */
  maxFutureMs: z.number().int().nonnegative(),
});

export type PriceGuards = z.infer<typeof PriceGuards>;

/*
 * Defaults, illustrative: the 50% breaker is Liquity v1's PriceFeed rule (a Chainlink answer that
 * moved more than 50% from the previous round, measured as (max − min) / max, is not trusted);
 * the 0.5% deviation and one-hour heartbeat are Chainlink's published ETH/USD feed settings.
 */
export const defaultPriceGuards: PriceGuards = { maxMove: 0.5, minMove: 0.005, heartbeatMs: 3_600_000, maxFutureMs: 60_000 };

export const PriceCommand = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('ObservePrice'),
    asset: AssetSymbol,
    priceUsd: positivePrice,
    source: z.string().min(1).max(100),
    observedAt: z.number().int().nonnegative(),
    guards: PriceGuards,
  }),
]);

export type PriceCommand = z.infer<typeof PriceCommand>;
