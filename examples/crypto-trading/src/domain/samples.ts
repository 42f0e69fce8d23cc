// One valid input for every generated function: the e2e test, the determinism check and the docs call each with it.
import type { InputOf } from '@lucent/core';
// Type-only (erased at run time), so `lucent generate` can import this file even while the registry is stale.
import type { FunctionName, FunctionRegistry } from '../registry/functionRegistry.js';

/** Keyed by every name in the registry: adding a function without a sample fails to compile. */
export type SampleInputs = { readonly [K in FunctionName]: InputOf<FunctionRegistry[K]> };

const ethCollateral = { asset: 'ETH', amount: 10, priceUsd: 3000, liquidationThreshold: 0.825 };

export const sampleInputs: SampleInputs & Readonly<Record<string, unknown>> = {
  'arbitrage.crossVenueSpread': {
    buy: { venue: 'kraken', price: 60_000, takerFeeRate: 0.0026, slippageRate: 0.0005 },
    sell: { venue: 'binance', price: 60_600, takerFeeRate: 0.001, slippageRate: 0.0005 },
    quantity: 0.5,
  },
  'arbitrage.triangular': {
    rates: [
      { from: 'USDT', to: 'ETH', rate: 1 / 3000, feeRate: 0.001 },
      { from: 'ETH', to: 'BTC', rate: 0.052, feeRate: 0.001 },
      { from: 'BTC', to: 'USDT', rate: 60_000, feeRate: 0.001 },
      { from: 'ETH', to: 'USDT', rate: 2995, feeRate: 0.001 },
    ],
    startCurrency: 'USDT',
  },
  'trading.placeOrder': { orderId: 'o-sample', account: 'alice', pair: 'BTC-USD', side: 'buy', quantity: 0.5, limitPrice: 60_000 },
  'positions.decide': {
    command: { type: 'OpenPosition', positionId: 'p-sample', owner: 'alice', pair: 'ETH-USD' },
    state: { status: 'none', owner: '', collateralUsd: 0, debtUsd: 0 },
  },
  'prices.decide': {
    command: {
      type: 'ObservePrice',
      asset: 'ETH',
      priceUsd: 2_950,
      source: 'fake-exchange',
      observedAt: 1_700_000_000_000,
      guards: { maxMove: 0.5, minMove: 0.005, heartbeatMs: 3_600_000, maxFutureMs: 60_000 },
    },
    state: { last: { asset: 'ETH', priceUsd: 3_000, source: 'fake-exchange', observedAt: 1_699_999_990_000 } },
  },
  'risk.healthFactor': { collateral: [ethCollateral], debtUsd: 15_000 },
  'risk.liquidationPrice': { ...ethCollateral, debtUsd: 15_000 },
  'risk.maxBorrowable': {
    collateral: [{ asset: 'ETH', amount: 10, priceUsd: 3000, ltv: 0.8 }],
    debtUsd: 15_000,
    borrowAssetPriceUsd: 1,
  },
  'risk.valueAtRisk': {
    positions: [
      { asset: 'BTC', valueUsd: 1_000_000, dailyVolatility: 0.03 },
      { asset: 'ETH', valueUsd: 500_000, dailyVolatility: 0.04 },
    ],
    correlation: [
      [1, 0.6],
      [0.6, 1],
    ],
    confidence: 0.99,
    horizonDays: 10,
  },
  'yield.aprToApy': { apr: 0.12, compoundsPerYear: 12 },
  'yield.apyToApr': { apy: 0.08, compoundsPerYear: 4 },
  'yield.continuousApy': { apr: 0.1 },
  'yield.impermanentLoss': { priceRatio: 2 },
  'yield.projectedBalance': { principal: 10_000, apr: 0.06, compounding: 12, durationDays: 730 },
};
