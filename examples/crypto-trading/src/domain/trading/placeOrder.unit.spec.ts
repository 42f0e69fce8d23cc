// trading.placeOrder: an accepted order with its event, refusals the caller caused, and the notional placement reads.
import { describe, expect, it } from 'vitest';
import { routingFactsOf } from '@lucent/core';
import { FunctionManager } from '@lucent/runtime';
import { placeOrder } from './placeOrder.js';

const now = 1_700_000_000_000;
const manager = new FunctionManager({ clock: () => now }).register(placeOrder);
const order = { orderId: 'o-1', account: 'alice', pair: 'BTC-USD', side: 'buy' as const, quantity: 50, limitPrice: 60_000 };

describe('trading.placeOrder', () => {
  it('accepts a limit order with its notional and records OrderAccepted at the context clock', async () => {
    const { output, events } = await manager.invoke('trading.placeOrder', order);
    const accepted = { ...order, base: 'BTC', quote: 'USD', notional: 3_000_000, status: 'accepted', acceptedAt: now };
    expect(output).toEqual(accepted);
    expect(events).toEqual([expect.objectContaining({ type: 'OrderAccepted', data: accepted })]);
  });

  it('gives placement the notional, pair and side of the order', () => {
    expect(routingFactsOf(placeOrder, order)).toEqual({ notional: 3_000_000, pair: 'BTC-USD', side: 'buy' });
    expect(routingFactsOf(placeOrder, { ...order, quantity: 0.01 })).toEqual({ notional: 600, pair: 'BTC-USD', side: 'buy' });
    expect(routingFactsOf(placeOrder, order, { notional: 1 })).toEqual({ notional: 1 });
  });

  it('refuses malformed orders with VALIDATION_FAILED naming the field', async () => {
    for (const [bad, path] of [
      [{ ...order, quantity: 0 }, 'quantity'],
      [{ ...order, limitPrice: -1 }, 'limitPrice'],
      [{ ...order, pair: 'btc/usd' }, 'pair'],
      [{ ...order, side: 'hold' }, 'side'],
      [{ ...order, orderId: '' }, 'orderId'],
    ] as const) {
      await expect(manager.invoke('trading.placeOrder', bad)).rejects.toMatchObject({ code: 'VALIDATION_FAILED', issues: [expect.objectContaining({ path })] });
    }
  });

  it('refuses a pair that trades an asset against itself with RULE_VIOLATED', async () => {
    await expect(manager.invoke('trading.placeOrder', { ...order, pair: 'ETH-ETH' })).rejects.toMatchObject({
      code: 'RULE_VIOLATED',
      details: expect.objectContaining({ rule: 'distinct-assets' }),
    });
  });

  it('keeps the notional finite at the contract’s largest quantity and price', async () => {
    const { output } = await manager.invoke('trading.placeOrder', { ...order, quantity: 1e15, limitPrice: 1e12 });
    expect((output as { notional: number }).notional).toBe(1e27);
  });
});
