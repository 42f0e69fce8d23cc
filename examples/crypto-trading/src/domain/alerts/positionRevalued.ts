// The record that a new price reached a watched position: one event per position, so a condition keyed by position re-checks it.
import type { PriceObservation } from '../prices/priceEvents.js';

export interface PositionRevalued {
  readonly type: 'PositionRevalued';
  readonly data: {
    readonly positionId: string;
    readonly asset: string;
    readonly priceUsd: number;
    readonly observedAt: number;
  };
}

/** The stream of an asset's revaluations. */
export const revaluationStream = (asset: string): string => `revaluations-${asset}`;

/** One revaluation per distinct position, in a stable order so a repeated fan-out appends the same batch. */
export function revaluations(positionIds: Iterable<string>, observation: Pick<PriceObservation, 'asset' | 'priceUsd' | 'observedAt'>): PositionRevalued[] {
  const { asset, priceUsd, observedAt } = observation;
  return [...new Set(positionIds)].sort().map((positionId) => ({ type: 'PositionRevalued', data: { positionId, asset, priceUsd, observedAt } }));
}
