// trading.placeOrder: accept a limit order, priced by its notional (quantity × limit price), which placement reads to send whales to the whale shard.
import { z } from 'zod';
import { defineFunction, RuleViolationError } from '@lucent/core';
import { positiveAssetAmount, positivePrice } from '../bounds.js';

/** `BASE-QUOTE`, e.g. `BTC-USD`: 2-10 upper-case letters or digits each. */
export const TradingPair = z.string().regex(/^[A-Z0-9]{2,10}-[A-Z0-9]{2,10}$/, 'must be BASE-QUOTE, e.g. BTC-USD');
/** A caller-chosen id (the same order sent twice keeps its id), or an account id. */
const Identifier = z.string().regex(/^[A-Za-z0-9_.:@-]{1,64}$/, 'must be 1-64 letters, digits or _ . : @ -');

export const OrderInput = z.object({
  orderId: Identifier,
  account: Identifier,
  pair: TradingPair,
  side: z.enum(['buy', 'sell']),
  /** Units of the base asset. */
  quantity: positiveAssetAmount,
  /** Quote-currency price per unit the order may trade at, at worst. */
  limitPrice: positivePrice,
});
export type OrderInput = z.infer<typeof OrderInput>;

export const AcceptedOrder = z.object({
  orderId: z.string(),
  account: z.string(),
  pair: z.string(),
  base: z.string(),
  quote: z.string(),
  side: z.enum(['buy', 'sell']),
  quantity: z.number(),
  limitPrice: z.number(),
  /** quantity × limitPrice, in the quote currency: at most 10^15 × 10^12, finite. */
  notional: z.number(),
  status: z.literal('accepted'),
  acceptedAt: z.number(),
});
export type AcceptedOrder = z.infer<typeof AcceptedOrder>;

export interface OrderAccepted {
  readonly type: 'OrderAccepted';
  readonly data: AcceptedOrder;
}

/** The order's value in the quote currency: what placement routes on. */
export const notionalOf = (order: Pick<OrderInput, 'quantity' | 'limitPrice'>): number => order.quantity * order.limitPrice;

export const placeOrder = defineFunction(
  {
    name: 'trading.placeOrder',
    version: '1.0.0',
    description: 'Accept a limit order; its notional (quantity × limit price) decides which shard runs it',
    priority: 'high',
    timeoutMs: 250,
    resources: { cpu: 1, memory: 1 },
    tags: ['trading', 'orders'],
    input: OrderInput,
    output: AcceptedOrder,
    // The registry's routes test these: `notional>=1000000` sends a whale to the whale shard.
    routingFacts: (order: OrderInput) => ({ notional: notionalOf(order), pair: order.pair, side: order.side }),
  },
  (order, ctx) => {
    const [base, quote] = order.pair.split('-') as [string, string];
    if (base === quote) throw new RuleViolationError('distinct-assets', `${order.pair} trades an asset against itself`, { pair: order.pair });
    const accepted: AcceptedOrder = { ...order, base, quote, notional: notionalOf(order), status: 'accepted', acceptedAt: ctx.now() };
    const event: OrderAccepted = { type: 'OrderAccepted', data: accepted };
    ctx.emit(event);
    return accepted;
  },
);
