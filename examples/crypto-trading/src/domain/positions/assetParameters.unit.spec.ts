// The asset-parameters table: Aave-style liquidation thresholds by collateral, wrapped names, overrides, unknown assets.
import { describe, expect, it } from 'vitest';
import { collateralAssetOf, parametersOf } from './assetParameters.js';

describe('asset parameters', () => {
  it('gives ETH and BTC their thresholds, under their wrapped names too', () => {
    expect(parametersOf('ETH').liquidationThreshold).toBe(0.825);
    expect(parametersOf('WETH').liquidationThreshold).toBe(0.825);
    expect(parametersOf('WBTC').liquidationThreshold).toBe(0.78);
  });

  it('lets a configured table override one asset and keeps the defaults for the others', () => {
    const desk = { ETH: { liquidationThreshold: 0.8 } };
    expect(parametersOf('ETH', desk).liquidationThreshold).toBe(0.8);
    expect(parametersOf('BTC', desk).liquidationThreshold).toBe(0.78);
  });

  it('counts an unknown asset as no collateral at all', () => {
    expect(parametersOf('DOGE').liquidationThreshold).toBe(0);
  });

  it('takes the collateral from the first side of a pair', () => {
    expect(collateralAssetOf('ETH-USD')).toBe('ETH');
    expect(collateralAssetOf('BTC-USDC')).toBe('BTC');
  });
});
