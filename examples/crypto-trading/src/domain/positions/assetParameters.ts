// The lending market's risk parameters per collateral asset: the share of its value that counts toward the health factor.

export interface AssetParameters {
  /** Share of the collateral's value that counts toward the health factor (Aave's liquidation threshold). */
  readonly liquidationThreshold: number;
}

export type AssetParametersTable = Readonly<Record<string, AssetParameters>>;

/*
 * Illustrative values: Aave V3's published parameters on its Ethereum market for WETH (LTV 80%,
 * liquidation threshold 82.5%, liquidation bonus 5%) and WBTC (LTV 73%, liquidation threshold 78%,
 * bonus 5%), as listed on the reserve pages of app.aave.com and in Aave's risk parameter docs.
 * Aave governance changes them; a production service would read them from the protocol.
 * The position decider lends at most 75% (its own house limit, below both LTVs), so a fresh
 * maximum loan on ETH starts at HF = 0.825 / 0.75 = 1.1: only a price fall takes it lower.
 */
export const assetParameters: AssetParametersTable = {
  ETH: { liquidationThreshold: 0.825 },
  BTC: { liquidationThreshold: 0.78 },
};

/** Aave lists the wrapped tokens; a position's pair names the coin itself. */
const underlying: Readonly<Record<string, string>> = { WETH: 'ETH', WBTC: 'BTC' };

/**
 * Collateral the table does not know counts for nothing, the way Aave treats an asset that is not
 * enabled as collateral: an unknown asset never hides a risk, it raises the alert at once.
 */
export const notCollateral: AssetParameters = { liquidationThreshold: 0 };

/** The parameters of `asset`; `table` entries (configuration overrides) win over the defaults. */
export function parametersOf(asset: string, table: AssetParametersTable = assetParameters): AssetParameters {
  const symbol = underlying[asset] ?? asset;
  return table[symbol] ?? assetParameters[symbol] ?? notCollateral;
}

/** The collateral side of a pair such as `ETH-USD`: the position deposits ETH and borrows USD. */
export function collateralAssetOf(pair: string): string {
  return pair.split('-')[0] ?? pair;
}
