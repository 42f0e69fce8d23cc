// Liquidation price of one collateral asset, checked by hand and by putting it back into the health factor.
import { describe, expect, it } from 'vitest';
import { execute } from '@lucent/core';
import { FunctionManager } from '@lucent/runtime';
import { healthFactor } from './healthFactor.js';
import { liquidationPrice } from './liquidationPrice.js';

const eth = { asset: 'ETH', amount: 10, priceUsd: 3000, liquidationThreshold: 0.825 };
const run = async (input: Parameters<typeof liquidationPrice.handler>[0]) => (await execute(liquidationPrice, input, { now: 0 })).output;

describe('risk.liquidationPrice', () => {
  it('is debt / (amount · threshold) for a single collateral', async () => {
    // 15 000 / (10 · 0.825) = 15 000 / 8.25 = 1 818.18; 1 − 1 818.18/3 000 = 0.3939 (a 39.4% drop)
    const out = await run({ ...eth, debtUsd: 15_000 });
    expect(out.liquidationPriceUsd).toBeCloseTo(1_818.181818, 5);
    expect(out.dropToLiquidation).toBeCloseTo(0.393939, 6);
  });

  it('counts other collateral, and at that price the health factor is exactly 1', async () => {
    // other: 0.5 WBTC · 60 000 · 0.78 = 23 400; (40 000 − 23 400) / 8.25 = 2 012.12
    const out = await run({ ...eth, debtUsd: 40_000, otherRiskAdjustedCollateralUsd: 23_400 });
    expect(out.liquidationPriceUsd).toBeCloseTo(2_012.121212, 5);
    const check = await execute(
      healthFactor,
      {
        collateral: [
          { ...eth, priceUsd: out.liquidationPriceUsd! },
          { asset: 'WBTC', amount: 0.5, priceUsd: 60_000, liquidationThreshold: 0.78 },
        ],
        debtUsd: 40_000,
      },
      { now: 0 },
    );
    expect(check.output.healthFactor).toBeCloseTo(1, 12);
  });

  it('is negative distance when the price is already below it', async () => {
    // 30 000 / 8.25 = 3 636.36 > 3 000: 1 − 3 636.36/3 000 = −0.2121
    expect((await run({ ...eth, debtUsd: 30_000 })).dropToLiquidation).toBeCloseTo(-0.212121, 6);
  });

  it('is null when other collateral alone covers the debt', async () => {
    expect(await run({ ...eth, debtUsd: 20_000, otherRiskAdjustedCollateralUsd: 23_400 })).toEqual({
      asset: 'ETH',
      liquidationPriceUsd: null,
      dropToLiquidation: null,
    });
  });

  describe('at the edges of its contract', () => {
    const manager = new FunctionManager({ clock: () => 0 }).register(liquidationPrice);
    const refusal = (input: unknown) => manager.invoke('risk.liquidationPrice', input).catch((e: unknown) => e as { code: string; issues: { path: string }[] });

    it('refuses an amount below one wei (it divided 15 000 by 5e-324 into Infinity)', async () => {
      expect(await refusal({ ...eth, amount: 5e-324, debtUsd: 15_000 })).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: 'amount' }] });
    });

    it('refuses a liquidation threshold below one basis point and a price below 10^-12', async () => {
      expect(await refusal({ ...eth, liquidationThreshold: 5e-324, debtUsd: 1 })).toMatchObject({ issues: [{ path: 'liquidationThreshold' }] });
      expect(await refusal({ ...eth, priceUsd: 5e-324, debtUsd: 1 })).toMatchObject({ issues: [{ path: 'priceUsd' }] });
    });

    it('answers finite numbers with the smallest divisors and the largest debt', async () => {
      // 10^15 / (10^-18 · 10^-4) = 10^37; drop = 1 − 10^37 / 10^-12 = −10^49
      const { output } = await manager.invoke('risk.liquidationPrice', { asset: 'X', amount: 1e-18, priceUsd: 1e-12, liquidationThreshold: 1e-4, debtUsd: 1e15 });
      expect(output).toMatchObject({ liquidationPriceUsd: expect.closeTo(1e37, -24), dropToLiquidation: expect.closeTo(-1e49, -36) });
    });
  });
});
