// Reads one position as it is now: its own stream folded with the portfolio projection (never behind the log), and its asset's latest price.
import type { ProjectedEvent } from '@lucent/core';
import type { EventStore } from '@lucent/runtime';
import { collateralAssetOf } from '../domain/positions/assetParameters.js';
import { portfolioProjection, type PositionSummary } from '../domain/positions/portfolioProjection.js';
import { positionStream } from '../domain/positions/positionCommands.js';
import type { PositionEvent } from '../domain/positions/positionEvents.js';
import { readLatestPrice } from './priceOracle.js';

export interface PositionNow {
  readonly positionId: string;
  readonly owner: string;
  readonly position: PositionSummary;
  readonly collateralAsset: string;
  /** The asset's latest recorded price; undefined before its first observation. */
  readonly latestPriceUsd: number | undefined;
}

/** The position folded from its own stream; undefined for one never opened. */
export async function readPosition(events: EventStore, positionId: string): Promise<{ owner: string; position: PositionSummary } | undefined> {
  const stored = (await events.readStream(positionStream(positionId))) as unknown as ProjectedEvent<PositionEvent>[];
  const first = stored[0];
  if (!first) return undefined;
  let view = portfolioProjection.initialView(first.data.owner);
  for (const e of stored) view = portfolioProjection.apply(view, e);
  const position = view.positions[positionId];
  return position === undefined ? undefined : { owner: view.owner, position };
}

/** The position and the latest price of its collateral: what the risk and yield services value it at. */
export async function readPositionNow(events: EventStore, positionId: string): Promise<PositionNow | undefined> {
  const found = await readPosition(events, positionId);
  if (found === undefined) return undefined;
  const collateralAsset = collateralAssetOf(found.position.pair);
  const latest = await readLatestPrice(events, collateralAsset);
  return { positionId, ...found, collateralAsset, latestPriceUsd: latest?.observation.priceUsd };
}
