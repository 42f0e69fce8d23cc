// Borrowing power from loan-to-value limits, checked by hand.
import { describe, expect, it } from 'vitest';
import { execute } from '@lucent/core';
import { FunctionManager } from '@lucent/runtime';
import { maxBorrowable } from './maxBorrowable.js';

const collateral = [
  { asset: 'ETH', amount: 10, priceUsd: 3000, ltv: 0.8 },
  { asset: 'WBTC', amount: 0.5, priceUsd: 60_000, ltv: 0.73 },
];
const run = async (input: Parameters<typeof maxBorrowable.handler>[0]) => (await execute(maxBorrowable, input, { now: 0 })).output;

describe('risk.maxBorrowable', () => {
  it('is Σ value · LTV minus the debt', async () => {
    // 30 000 · 0.8 + 30 000 · 0.73 = 24 000 + 21 900 = 45 900; 45 900 − 15 000 = 30 900; 15 000 / 60 000 = 0.25
    expect(await run({ collateral, debtUsd: 15_000 })).toEqual({
      collateralUsd: 60_000,
      borrowingPowerUsd: 45_900,
      availableUsd: 30_900,
      availableUnits: null,
      currentLtv: 0.25,
    });
  });

  it('expresses what is available in units of the asset to borrow', async () => {
    // 30 900 USD / 3 000 USD per ETH = 10.3 ETH
    expect((await run({ collateral, debtUsd: 15_000, borrowAssetPriceUsd: 3000 })).availableUnits).toBeCloseTo(10.3, 12);
  });

  it('never goes below zero when the debt exceeds the borrowing power', async () => {
    expect((await run({ collateral, debtUsd: 50_000 })).availableUsd).toBe(0);
  });

  it('has no LTV without collateral', async () => {
    expect(await run({ collateral: [], debtUsd: 0 })).toMatchObject({ borrowingPowerUsd: 0, availableUsd: 0, currentLtv: null });
  });

  describe('at the edges of its contract', () => {
    const manager = new FunctionManager({ clock: () => 0 }).register(maxBorrowable);
    const refusal = (input: unknown) => manager.invoke('risk.maxBorrowable', input).catch((e: unknown) => e as { code: string; issues: { path: string }[] });

    it('refuses a borrowed asset priced below 10^-12 and a collateral amount between 0 and one wei', async () => {
      expect(await refusal({ collateral, debtUsd: 1, borrowAssetPriceUsd: 5e-324 })).toMatchObject({
        code: 'VALIDATION_FAILED',
        issues: [{ path: 'borrowAssetPriceUsd' }],
      });
      expect(await refusal({ collateral: [{ ...collateral[0], amount: 5e-324 }], debtUsd: 15_000 })).toMatchObject({
        issues: [{ path: 'collateral.0.amount' }],
      });
    });

    it('answers finite numbers for the smallest collateral value against the largest debt', async () => {
      // 10^-18 ETH at 10^-12 USD = 10^-30 USD of collateral: an LTV of 10^15 / 10^-30 = 10^45
      const { output } = await manager.invoke('risk.maxBorrowable', {
        collateral: [{ asset: 'ETH', amount: 1e-18, priceUsd: 1e-12, ltv: 1 }],
        debtUsd: 1e15,
        borrowAssetPriceUsd: 1e-12,
      });
      expect(output).toMatchObject({ availableUsd: 0, availableUnits: 0, currentLtv: expect.closeTo(1e45, -32) });
    });
  });
});
