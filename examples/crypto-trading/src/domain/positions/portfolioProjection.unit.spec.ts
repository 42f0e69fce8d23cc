// The portfolio projection: totals per owner, unchanged by redelivered events.
import { describe, it } from 'vitest';
import { asStored, projectionSpec } from '@lucent/core/testing';
import { portfolioProjection } from './portfolioProjection.js';
import type { PositionEvent } from './positionEvents.js';

describe('portfolio projection', () => {
  it('sums collateral and debt over open positions, per owner', () => {
    const a = { positionId: 'p1', owner: 'alice' };
    const b = { positionId: 'p2', owner: 'alice' };
    const events: PositionEvent[] = [
      { type: 'PositionOpened', data: { ...a, pair: 'ETH-USD', openedAt: 1 } },
      { type: 'CollateralDeposited', data: { ...a, amount: 2, priceUsd: 3000 } },
      { type: 'Borrowed', data: { ...a, amountUsd: 1000 } },
      { type: 'PositionOpened', data: { ...b, pair: 'BTC-USD', openedAt: 2 } },
      { type: 'CollateralDeposited', data: { ...b, amount: 0.1, priceUsd: 60000 } },
      { type: 'Repaid', data: { ...a, amountUsd: 400 } },
      { type: 'PositionOpened', data: { positionId: 'p3', owner: 'bob', pair: 'ETH-USD', openedAt: 3 } },
    ];
    projectionSpec(portfolioProjection)
      .given(asStored('positions', events))
      .then({
        alice: {
          owner: 'alice',
          openPositions: 2,
          collateralUsd: 12000,
          debtUsd: 600,
          positions: {
            p1: { pair: 'ETH-USD', status: 'open', collateralAmount: 2, collateralUsd: 6000, debtUsd: 600 },
            p2: { pair: 'BTC-USD', status: 'open', collateralAmount: 0.1, collateralUsd: 6000, debtUsd: 0 },
          },
          updatedAt: 0,
        },
        bob: {
          owner: 'bob',
          openPositions: 1,
          collateralUsd: 0,
          debtUsd: 0,
          positions: { p3: { pair: 'ETH-USD', status: 'open', collateralAmount: 0, collateralUsd: 0, debtUsd: 0 } },
          updatedAt: 0,
        },
      });
  });
});
