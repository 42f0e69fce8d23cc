// APR ↔ APY and continuous compounding, checked against values worked out by hand (and with python3's float math).
import { describe, expect, it } from 'vitest';
import { FunctionManager } from '@lucent/runtime';
import { execute, type FunctionDefinition } from '@lucent/core';
import { aprToApy } from './aprToApy.js';
import { apyToApr } from './apyToApr.js';
import { continuousApy } from './continuousApy.js';

const now = 1_700_000_000_000;
const run = <In, Out>(fn: FunctionDefinition<string, In, Out>, input: In) => execute(fn, input, { now });

describe('yield.aprToApy', () => {
  it('turns 12% APR compounded monthly into 12.6825% APY', async () => {
    // (1 + 0.12/12)^12 − 1 = 1.01^12 − 1 = 1.126825030131970 − 1
    const { output } = await run(aprToApy, { apr: 0.12, compoundsPerYear: 12 });
    expect(output.apy).toBeCloseTo(0.12682503013197, 12);
  });

  it('turns 5% APR compounded daily into 5.1267% APY', async () => {
    // (1 + 0.05/365)^365 − 1 = 1.000136986^365 − 1 = 0.0512674964674
    const { output } = await run(aprToApy, { apr: 0.05, compoundsPerYear: 365 });
    expect(output.apy).toBeCloseTo(0.0512674964674, 12);
  });

  it('gives APY = APR when interest is added once a year', async () => {
    const { output } = await run(aprToApy, { apr: 0.07, compoundsPerYear: 1 });
    expect(output.apy).toBeCloseTo(0.07, 15);
  });

  it('approaches e^APR − 1 when compounding every second, without losing precision', async () => {
    // The gap to the continuous limit is about APR²/(2n)·e^APR = 0.01/(2·31 536 000)·1.105 ≈ 1.75e-10.
    const perSecond = await run(aprToApy, { apr: 0.1, compoundsPerYear: 31_536_000 });
    const continuous = await run(continuousApy, { apr: 0.1 });
    expect(perSecond.output.apy).toBeLessThan(continuous.output.apy);
    expect(continuous.output.apy - perSecond.output.apy).toBeGreaterThan(1e-10);
    expect(continuous.output.apy - perSecond.output.apy).toBeLessThan(3e-10);
  });
});

describe('yield.continuousApy', () => {
  it('turns 10% APR compounded continuously into e^0.1 − 1 = 10.5171% APY', async () => {
    // e^0.1 = 1.1051709180756477
    const { output } = await run(continuousApy, { apr: 0.1 });
    expect(output.apy).toBeCloseTo(0.1051709180756477, 14);
  });
});

describe('yield.apyToApr', () => {
  it('finds the quarterly APR behind an 8% APY', async () => {
    // 4 · (1.08^(1/4) − 1) = 4 · (1.019426546908 − 1) = 0.077706187633
    const { output } = await run(apyToApr, { apy: 0.08, compoundsPerYear: 4 });
    expect(output.apr).toBeCloseTo(0.077706187633094, 12);
  });

  it('finds the continuous APR behind a 10% APY: ln 1.1', async () => {
    const { output } = await run(apyToApr, { apy: 0.1, compoundsPerYear: 'continuous' });
    expect(output.apr).toBeCloseTo(0.09531017980432493, 14);
  });

  it.each([1, 4, 12, 365, 'continuous'] as const)('inverts aprToApy for compounding %s', async (n) => {
    const { output: forward } = await run(aprToApy, { apr: 0.37, compoundsPerYear: n });
    const { output: back } = await run(apyToApr, { apy: forward.apy, compoundsPerYear: n });
    expect(back.apr).toBeCloseTo(0.37, 12);
  });
});

describe('yield rate contracts', () => {
  const manager = new FunctionManager({ clock: () => now }).register(aprToApy, apyToApr);

  it('refuses a compounding frequency of 0 and names the field', async () => {
    const error = await manager.invoke('yield.aprToApy', { apr: 0.1, compoundsPerYear: 0 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((error as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(['compoundsPerYear']);
  });

  it('refuses a negative rate and names the field', async () => {
    const error = await manager.invoke('yield.apyToApr', { apy: -0.2, compoundsPerYear: 12 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((error as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(['apy']);
  });
});
