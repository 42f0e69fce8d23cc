// yield.impermanentLoss: how much a 50/50 constant-product LP position trails simply holding, after a price move.
import { z } from 'zod';
import { defineFunction } from '@lucent/core';

/*
 * In a pool with reserves x·y = k (Uniswap v2 whitepaper, Adams, Zinsmeister & Robinson 2020, §2),
 * arbitrage keeps the pool price y/x at the market price p, so x = √(k/p) and y = √(k·p) and the
 * position is worth 2√(k·p). Against holding the initial reserves, after the price moves by
 * r = p1/p0:
 *   LP value / initial value   = √r
 *   hold value / initial value = (1 + r) / 2
 *   IL = √r / ((1 + r)/2) − 1 = 2√r / (1 + r) − 1
 * the widely cited closed form (e.g. Pintail, "Uniswap: a good deal for liquidity providers?", 2019).
 * Fees earned are not included: this is the loss fees must make up for.
 */
export const impermanentLoss = defineFunction(
  {
    name: 'yield.impermanentLoss',
    version: '1.0.0',
    description: 'Impermanent loss of a 50/50 constant-product pool for a price ratio r: 2√r/(1+r) − 1',
    shardAffinity: ['yield'],
    priority: 'normal',
    timeoutMs: 250,
    resources: { cpu: 1, memory: 1 },
    tags: ['yield', 'amm', 'liquidity'],
    input: z.object({
      /** New price of the volatile asset divided by its price at deposit. */
      priceRatio: z.number().finite().positive().max(1e9),
    }),
    output: z.object({ impermanentLoss: z.number(), lpValueMultiple: z.number(), holdValueMultiple: z.number() }),
  },
  ({ priceRatio }) => {
    const lpValueMultiple = Math.sqrt(priceRatio);
    const holdValueMultiple = (1 + priceRatio) / 2;
    return { impermanentLoss: lpValueMultiple / holdValueMultiple - 1, lpValueMultiple, holdValueMultiple };
  },
);
