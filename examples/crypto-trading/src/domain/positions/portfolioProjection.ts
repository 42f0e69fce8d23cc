// The portfolio read model: per owner, each position's status and the totals of collateral and debt.
import type { Projection } from '@lucent/core';
import type { PositionEvent } from './positionEvents.js';

export interface PositionSummary {
  readonly pair: string;
  readonly status: 'open' | 'closed';
  /** Units of the pair's collateral asset deposited (ETH for ETH-USD). */
  readonly collateralAmount: number;
  /** Value of the collateral at the prices given when it was deposited (not marked to market). */
  readonly collateralUsd: number;
  readonly debtUsd: number;
}

export interface PortfolioView {
  readonly owner: string;
  readonly openPositions: number;
  readonly collateralUsd: number;
  readonly debtUsd: number;
  readonly positions: Readonly<Record<string, PositionSummary>>;
  /** Last change, from the event timestamp (store time), so replays give the same view. */
  readonly updatedAt: number;
}

const round = (usd: number): number => Math.round(usd * 100) / 100;

function totals(owner: string, positions: Record<string, PositionSummary>, updatedAt: number): PortfolioView {
  const list = Object.values(positions);
  return {
    owner,
    openPositions: list.filter((p) => p.status === 'open').length,
    collateralUsd: round(list.reduce((s, p) => s + p.collateralUsd, 0)),
    debtUsd: round(list.reduce((s, p) => s + p.debtUsd, 0)),
    positions,
    updatedAt,
  };
}

export const portfolioProjection: Projection<PortfolioView, PositionEvent> = {
  name: 'portfolio',
  keyOf: (event) => event.data.owner,
  initialView: (owner) => ({ owner, openPositions: 0, collateralUsd: 0, debtUsd: 0, positions: {}, updatedAt: 0 }),
  apply(view, event) {
    const id = event.data.positionId;
    const current = view.positions[id];
    let next: PositionSummary | undefined;
    switch (event.type) {
      case 'PositionOpened':
        next = { pair: event.data.pair, status: 'open', collateralAmount: 0, collateralUsd: 0, debtUsd: 0 };
        break;
      case 'CollateralDeposited':
        if (current) {
          next = {
            ...current,
            collateralAmount: current.collateralAmount + event.data.amount,
            collateralUsd: round(current.collateralUsd + event.data.amount * event.data.priceUsd),
          };
        }
        break;
      case 'Borrowed':
        if (current) next = { ...current, debtUsd: round(current.debtUsd + event.data.amountUsd) };
        break;
      case 'Repaid':
        if (current) next = { ...current, debtUsd: round(current.debtUsd - event.data.amountUsd) };
        break;
      case 'PositionClosed':
        if (current) next = { ...current, status: 'closed', collateralAmount: 0, collateralUsd: 0 };
        break;
    }
    if (next === undefined) return view;
    return totals(view.owner, { ...view.positions, [id]: next }, event.timestamp);
  },
};
