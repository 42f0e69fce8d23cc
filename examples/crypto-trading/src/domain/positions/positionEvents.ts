// Events of a lending position (collateral in, stablecoin debt out): the facts its stream records.
import { z } from 'zod';

const money = z.number().finite().nonnegative();
const base = { positionId: z.string().min(1).max(100), owner: z.string().min(1).max(100) };

export const PositionEvent = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('PositionOpened'),
    data: z.object({ ...base, pair: z.string().regex(/^[A-Z0-9]{2,10}-[A-Z0-9]{2,10}$/), openedAt: z.number().int() }),
  }),
  z.object({ type: z.literal('CollateralDeposited'), data: z.object({ ...base, amount: money, priceUsd: money }) }),
  z.object({ type: z.literal('Borrowed'), data: z.object({ ...base, amountUsd: money }) }),
  z.object({ type: z.literal('Repaid'), data: z.object({ ...base, amountUsd: money }) }),
  z.object({ type: z.literal('PositionClosed'), data: z.object({ ...base, closedAt: z.number().int() }) }),
]);

export type PositionEvent = z.infer<typeof PositionEvent>;
export type PositionEventType = PositionEvent['type'];
