import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFunction } from '../functions/defineFunction.js';
import { routingFactsOf } from './routingCall.js';

const order = defineFunction(
  {
    name: 'trading.order',
    version: '1.0.0',
    input: z.object({ quantity: z.number(), priceUsd: z.number() }),
    output: z.object({ ok: z.boolean() }),
    routingFacts: (input) => ({ notional: input.quantity * input.priceUsd }),
  },
  () => ({ ok: true }),
);
const plain = defineFunction({ name: 'trading.plain', version: '1.0.0', input: z.object({}), output: z.object({}) }, () => ({}));

describe('routingFactsOf', () => {
  it('reads the facts a function declares from its input', () => {
    expect(routingFactsOf(order, { quantity: 500, priceUsd: 3_000 })).toEqual({ notional: 1_500_000 });
  });

  it("prefers the caller's own facts", () => {
    expect(routingFactsOf(order, { quantity: 1, priceUsd: 1 }, { notional: 9 })).toEqual({ notional: 9 });
  });

  it('is undefined for a function without a reader, or when the reader throws', () => {
    expect(routingFactsOf(plain, {})).toBeUndefined();
    expect(routingFactsOf(undefined, {})).toBeUndefined();
    const throwing = defineFunction(
      { name: 'trading.bad', version: '1.0.0', input: z.object({}), output: z.object({}), routingFacts: () => { throw new Error('no'); } },
      () => ({}),
    );
    expect(routingFactsOf(throwing, {})).toBeUndefined();
  });
});
