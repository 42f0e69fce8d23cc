// Numeric ranges shared by the domain's contracts: what a real market has, and narrow enough that no arithmetic on them overflows.
import { z } from 'zod';

/*
 * Every bound here is a range a trading or lending market actually has; the positive minimums are
 * what keeps a division finite. A contract number that may be 0 or tiny but is never divided by
 * needs no minimum; one that is a divisor (a price, a debt, a collateral value) gets one, so that
 *   largest numerator / smallest divisor
 * stays far below Number.MAX_VALUE (≈ 1.8·10^308) and the output contract (finite numbers only) holds.
 */

/** Units of one asset: up to 10^15, above the supply of any asset worth pricing. */
export const maxAssetAmount = 1e15;
/** The smallest positive amount: 10^-18, one wei (18 decimals, the finest token granularity in use). */
export const minAssetAmount = 1e-18;

/** A price or exchange rate, in USD or in any quote currency: up to 10^12 per unit. */
export const maxPrice = 1e12;
/** The smallest positive price: 10^-12 per unit, below the cheapest quoted tokens (about 10^-9 USD). */
export const minPrice = 1e-12;

/** A USD amount (a debt, a collateral value): up to 10^15 USD, above the whole crypto market. */
export const maxUsdAmount = 1e15;
/** The smallest positive USD amount: 10^-18 USD, one wei of an 18-decimal stablecoin. */
export const minUsdAmount = 1e-18;

/** The smallest weight that divides (a liquidation threshold): one basis point; Aave's lie between about 40% and 95%. */
export const minDividingShare = 1e-4;

export const positiveAssetAmount = z.number().min(minAssetAmount).max(maxAssetAmount);
/** None, or at least one wei: a tiny positive amount would make a value that divides underflow towards 0. */
export const assetAmount = z.union([z.literal(0), positiveAssetAmount], {
  error: `must be 0, or from ${minAssetAmount} to ${maxAssetAmount}`,
});

export const positivePrice = z.number().min(minPrice).max(maxPrice);
/** 0 is a worthless asset; otherwise a positive price in range. */
export const price = z.union([z.literal(0), positivePrice], { error: `must be 0, or from ${minPrice} to ${maxPrice}` });

export const positiveUsdAmount = z.number().min(minUsdAmount).max(maxUsdAmount);
/** 0, or at least 10^-18 USD: a debt that divides (the health factor) stays finite. */
export const usdAmount = z.union([z.literal(0), positiveUsdAmount], {
  error: `must be 0, or from ${minUsdAmount} to ${maxUsdAmount}`,
});

/** A share of a value in [0, 1], e.g. Aave's liquidation threshold 0.825 for ETH; used as a weight, never a divisor. */
export const share = z.number().min(0).max(1);
/** A share that divides (the liquidation threshold in a liquidation price): at least one basis point. */
export const positiveShare = z.number().min(minDividingShare).max(1);

/** A fee or slippage as a fraction of notional: 0.001 = 0.1% = 10 bps; below 100%. */
export const feeRate = z.number().min(0).lt(1);
