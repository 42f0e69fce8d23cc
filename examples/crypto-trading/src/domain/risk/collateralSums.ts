// The two sums Aave's account data starts from, shared by the lending risk functions.

/** A collateral holding as the risk functions see it: how much of an asset, at what USD price. */
export interface PricedCollateral {
  readonly amount: number;
  readonly priceUsd: number;
}

export interface CollateralSums {
  /** Σ amount · price. */
  readonly collateralUsd: number;
  /** Σ amount · price · weight. */
  readonly weightedUsd: number;
}

/**
 * Aave weights each collateral's USD value by a per-asset share: the liquidation threshold for the
 * health factor, the loan-to-value limit for the borrowing power (GenericLogic.calculateUserAccountData).
 * One pass gives the plain total too, which both functions report.
 */
export function collateralSums<C extends PricedCollateral>(collateral: readonly C[], weight: (c: C) => number): CollateralSums {
  let collateralUsd = 0;
  let weightedUsd = 0;
  for (const c of collateral) {
    const valueUsd = c.amount * c.priceUsd;
    collateralUsd += valueUsd;
    weightedUsd += valueUsd * weight(c);
  }
  return { collateralUsd, weightedUsd };
}
