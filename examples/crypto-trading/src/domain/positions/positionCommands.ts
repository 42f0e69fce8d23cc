// Commands a position accepts; the contract every HTTP body and bus message is checked against.
import { z } from 'zod';
import { minAssetAmount, positivePrice } from '../bounds.js';

const id = z.string().min(1).max(100);
const positive = z.number().finite().positive().max(1e12);
/**
 * At least one wei: the position's collateral amount (a sum of deposits) is then 0 or at least
 * 10^-18, which is what risk.healthFactor accepts for it.
 */
const depositAmount = z.number().min(minAssetAmount).max(1e12);

export const PositionCommand = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('OpenPosition'),
    positionId: id,
    owner: id,
    pair: z.string().regex(/^[A-Z0-9]{2,10}-[A-Z0-9]{2,10}$/, 'a pair like ETH-USD'),
  }),
  z.object({ type: z.literal('DepositCollateral'), positionId: id, amount: depositAmount, priceUsd: positivePrice }),
  z.object({ type: z.literal('Borrow'), positionId: id, amountUsd: positive }),
  z.object({ type: z.literal('Repay'), positionId: id, amountUsd: positive }),
  z.object({ type: z.literal('ClosePosition'), positionId: id }),
]);

export type PositionCommand = z.infer<typeof PositionCommand>;

/** The stream a command addresses. */
export const positionStream = (positionId: string): string => `position-${positionId}`;
