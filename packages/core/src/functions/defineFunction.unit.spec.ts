import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createFunctionContext } from '../context/functionContext.js';
import { checkDeterminism, assertDeterministic } from '../testing/determinism.js';
import { functionOf, functionsOf, LucentFunction, decoratedMethodsOf } from './decorator.js';
import { defineFunction } from './defineFunction.js';
import { execute } from './execute.js';

const Quote = z.object({ pair: z.string(), price: z.number().positive() });
const Order = z.object({ id: z.string(), pair: z.string(), at: z.number(), jitter: z.number() });

const placeOrder = defineFunction(
  { name: 'orders.place', version: '1.0.0', input: Quote, output: Order, priority: 'high', tags: ['orders'] },
  (quote, ctx) => {
    const order = { id: ctx.newId(), pair: quote.pair, at: ctx.now(), jitter: ctx.random() };
    ctx.emit({ type: 'OrderPlaced', data: order });
    return order;
  },
);

class Pricing {
  @LucentFunction({ name: 'pricing.mid', version: '2.1.0', input: z.object({ bid: z.number(), ask: z.number() }), output: z.number(), tags: ['pricing'] })
  static mid(input: { bid: number; ask: number }): number {
    return (input.bid + input.ask) / 2;
  }

  @LucentFunction({ name: 'pricing.spreadBps', version: '1.0.0', input: z.object({ bid: z.number(), ask: z.number() }), output: z.number() })
  spreadBps(input: { bid: number; ask: number }): number {
    return ((input.ask - input.bid) / this.midOf(input)) * 10_000;
  }

  midOf(input: { bid: number; ask: number }): number {
    return (input.bid + input.ask) / 2;
  }
}

describe('defineFunction', () => {
  it('keeps name, version and metadata apart from the handler', () => {
    expect(placeOrder).toMatchObject({
      kind: 'lucent.function',
      name: 'orders.place',
      version: '1.0.0',
      meta: { priority: 'high', tags: ['orders'] },
    });
  });

  it('refuses names, versions and contracts that are not well formed', () => {
    const ok = { input: Quote, output: Order };
    expect(() => defineFunction({ name: 'NoDots', version: '1.0.0', ...ok }, () => ({}) as never)).toThrow(/dotted camelCase/);
    expect(() => defineFunction({ name: 'a.b', version: 'v1', ...ok }, () => ({}) as never)).toThrow(/semantic/);
    expect(() => defineFunction({ name: 'a.b', version: '1.0.0', input: {} as never, output: Order }, () => ({}) as never)).toThrow(
      /Standard Schema/,
    );
  });

  it('returns output and emitted events, the same twice for the same context', async () => {
    const seed = { now: 1_700_000_000_000, seed: 's-1' };
    const first = await execute(placeOrder, { pair: 'ETH/USDC', price: 3000 }, seed);
    const second = await execute(placeOrder, { pair: 'ETH/USDC', price: 3000 }, seed);
    expect(first).toEqual(second);
    expect(first.output.at).toBe(1_700_000_000_000);
    expect(first.output.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(first.events).toEqual([{ type: 'OrderPlaced', data: first.output }]);
    const other = await execute(placeOrder, { pair: 'ETH/USDC', price: 3000 }, { ...seed, seed: 's-2' });
    expect(other.output.id).not.toBe(first.output.id);
  });
});

describe('determinism helper', () => {
  it('passes a pure function', async () => {
    await expect(assertDeterministic(placeOrder, { pair: 'BTC/USDC', price: 60_000 })).resolves.toMatchObject({
      output: { pair: 'BTC/USDC' },
    });
  });

  it('catches a function that keeps hidden state between calls', async () => {
    let calls = 0;
    const leaky = defineFunction(
      { name: 'leaky.counter', version: '1.0.0', input: z.object({}), output: z.number() },
      () => ++calls,
    );
    expect((await checkDeterminism(leaky, {})).deterministic).toBe(false);
    await expect(assertDeterministic(leaky, {})).rejects.toThrow(/not deterministic/);
  });
});

describe('@LucentFunction', () => {
  it('registers static and instance methods like defineFunction does', () => {
    const mid = functionOf(Pricing, 'mid');
    expect(mid).toMatchObject({ kind: 'lucent.function', name: 'pricing.mid', version: '2.1.0', meta: { tags: ['pricing'] } });
    expect(mid.handler({ bid: 99, ask: 101 }, createFunctionContext({ now: 0 }))).toBe(100);
    const spread = functionOf(Pricing.prototype, 'spreadBps');
    expect(spread.handler({ bid: 99, ask: 101 }, createFunctionContext({ now: 0 }))).toBeCloseTo(200, 10);
    expect(functionsOf(Pricing).map((f) => f.name).sort()).toEqual(['pricing.mid', 'pricing.spreadBps']);
    expect(decoratedMethodsOf(Pricing).map((m) => [m.method, m.isStatic])).toEqual([
      ['mid', true],
      ['spreadBps', false],
    ]);
  });

  it('leaves the method callable as an ordinary method', () => {
    expect(Pricing.mid({ bid: 1, ask: 3 })).toBe(2);
  });
});
