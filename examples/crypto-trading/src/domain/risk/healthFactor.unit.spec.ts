// Aave-style health factor: hand-computed values, the status bands and the LiquidationRiskRaised event.
import { describe, expect, it } from 'vitest';
import { execute } from '@lucent/core';
import { assertDeterministic } from '@lucent/core/testing';
import { FunctionManager } from '@lucent/runtime';
import { healthFactor } from './healthFactor.js';

const now = 1_700_000_000_000;
const eth = { asset: 'ETH', amount: 10, priceUsd: 3000, liquidationThreshold: 0.825 };
const btc = { asset: 'WBTC', amount: 0.5, priceUsd: 60_000, liquidationThreshold: 0.78 };
const hf = (debtUsd: number, collateral = [eth, btc]) =>
  execute(healthFactor, { collateral, debtUsd }, { now, business: { accountId: 'acc-7' } });

describe('risk.healthFactor', () => {
  it('divides the threshold-weighted collateral by the debt', async () => {
    // 10 · 3000 · 0.825 = 24 750; 24 750 / 15 000 = 1.65
    const { output, events } = await hf(15_000, [eth]);
    expect(output).toEqual({
      healthFactor: 1.65,
      status: 'safe',
      collateralUsd: 30_000,
      riskAdjustedCollateralUsd: 24_750,
      debtUsd: 15_000,
    });
    expect(events).toEqual([]);
  });

  it('adds several collaterals, each with its own liquidation threshold', async () => {
    // 24 750 + 0.5 · 60 000 · 0.78 = 24 750 + 23 400 = 48 150; 48 150 / 40 000 = 1.20375
    const { output } = await hf(40_000);
    expect(output.healthFactor).toBeCloseTo(1.20375, 12);
    expect(output.collateralUsd).toBe(60_000);
  });

  it('raises LiquidationRiskRaised below 1.1, stamped with the context clock and account', async () => {
    // 48 150 / 45 000 = 1.07
    const { output, events } = await hf(45_000);
    expect(output.status).toBe('atRisk');
    expect(output.healthFactor).toBeCloseTo(1.07, 12);
    expect(events).toEqual([
      {
        type: 'LiquidationRiskRaised',
        data: { healthFactor: output.healthFactor, debtUsd: 45_000, riskAdjustedCollateralUsd: 48_150, accountId: 'acc-7', at: now },
      },
    ]);
  });

  it('emits the same event on every replay of the same input and context', async () => {
    const result = await assertDeterministic(healthFactor, { collateral: [eth, btc], debtUsd: 45_000 }, { now, seed: 'replay' });
    expect(result.events).toHaveLength(1);
  });

  it('calls a health factor below 1 liquidatable, and still raises the event', async () => {
    // 48 150 / 50 000 = 0.963
    const { output, events } = await hf(50_000);
    expect(output).toMatchObject({ status: 'liquidatable' });
    expect(output.healthFactor).toBeCloseTo(0.963, 12);
    expect(events.map((e) => e.type)).toEqual(['LiquidationRiskRaised']);
  });

  it('does not raise the event at exactly 1.1', async () => {
    // 11 000 · 1.0 / 10 000 = 1.1, not below it
    const { output, events } = await hf(10_000, [{ asset: 'USDC', amount: 11_000, priceUsd: 1, liquidationThreshold: 1 }]);
    expect(output.healthFactor).toBe(1.1);
    expect(events).toEqual([]);
  });

  it('reports no health factor (cannot be liquidated) without debt', async () => {
    const { output, events } = await hf(0);
    expect(output).toMatchObject({ healthFactor: null, status: 'noDebt' });
    expect(events).toEqual([]);
  });

  describe('through the function manager', () => {
    const manager = new FunctionManager({ clock: () => now }).register(healthFactor);
    const pathsOf = async (input: unknown) => {
      const error = await manager.invoke('risk.healthFactor', input).then(
        () => undefined,
        (e: unknown) => e as { code: string; issues: { path: string }[] },
      );
      expect(error?.code).toBe('VALIDATION_FAILED');
      return error!.issues.map((i) => i.path);
    };

    it('names the field of a bad input: collateral that is not a list', async () => {
      expect(await pathsOf({ collateral: 'lots', debtUsd: 1 })).toEqual(['collateral']);
    });

    it('names the nested field: a liquidation threshold above 1', async () => {
      expect(await pathsOf({ collateral: [{ ...eth, liquidationThreshold: 1.5 }], debtUsd: 1 })).toEqual([
        'collateral.0.liquidationThreshold',
      ]);
    });

    it('names a missing debt', async () => {
      expect(await pathsOf({ collateral: [eth] })).toEqual(['debtUsd']);
    });

    it('refuses a debt between 0 and 10^-18 USD, which divided the collateral into Infinity', async () => {
      expect(await pathsOf({ collateral: [eth], debtUsd: 5e-324 })).toEqual(['debtUsd']);
    });

    it('answers a finite health factor for the largest collateral over the smallest debt', async () => {
      // 100 · 10^15 · 10^12 / 10^-18 = 10^47
      const whale = { asset: 'ETH', amount: 1e15, priceUsd: 1e12, liquidationThreshold: 1 };
      const { output } = await manager.invoke('risk.healthFactor', { collateral: Array.from({ length: 100 }, () => whale), debtUsd: 1e-18 });
      expect(output).toMatchObject({ status: 'safe', healthFactor: expect.closeTo(1e47, -34) });
    });

    it('returns the event with the output when invoked', async () => {
      const result = await manager.invoke('risk.healthFactor', { collateral: [eth], debtUsd: 24_000 });
      // 24 750 / 24 000 = 1.03125
      expect(result.output).toMatchObject({ healthFactor: 1.03125, status: 'atRisk' });
      expect(result.events).toEqual([
        {
          type: 'LiquidationRiskRaised',
          data: { healthFactor: 1.03125, debtUsd: 24_000, riskAdjustedCollateralUsd: 24_750, accountId: null, at: now },
        },
      ]);
    });
  });
});
