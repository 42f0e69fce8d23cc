// Impermanent loss of a 50/50 constant-product pool at price ratios whose answers are known by hand.
import { describe, expect, it } from 'vitest';
import { execute } from '@lucent/core';
import { impermanentLoss } from './impermanentLoss.js';

const il = async (priceRatio: number) => (await execute(impermanentLoss, { priceRatio }, { now: 0 })).output;

describe('yield.impermanentLoss', () => {
  it('is −5.719% when the price doubles', async () => {
    // 2·√2 / (1 + 2) − 1 = 2.828427125 / 3 − 1 = 0.942809042 − 1 = −0.057190958
    const out = await il(2);
    expect(out.impermanentLoss).toBeCloseTo(-0.0571909584179, 12);
    expect(out.lpValueMultiple).toBeCloseTo(Math.SQRT2, 15);
    expect(out.holdValueMultiple).toBe(1.5);
  });

  it('is −20% when the price quadruples: 2·2/5 − 1', async () => {
    expect((await il(4)).impermanentLoss).toBeCloseTo(-0.2, 15);
  });

  it('is symmetric in r and 1/r: halving the price costs as much as doubling it', async () => {
    expect((await il(0.5)).impermanentLoss).toBeCloseTo((await il(2)).impermanentLoss, 15);
    expect((await il(0.25)).impermanentLoss).toBeCloseTo(-0.2, 15);
  });

  it('is zero when the price is unchanged and never positive', async () => {
    expect((await il(1)).impermanentLoss).toBe(0);
    for (const r of [0.01, 0.3, 0.99, 1.01, 3, 100]) expect((await il(r)).impermanentLoss).toBeLessThan(0);
  });
});
