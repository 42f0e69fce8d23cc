// Events of an asset's price stream: each quote the oracle accepted, in the order it was observed.
import { z } from 'zod';

export const AssetSymbol = z.string().regex(/^[A-Z0-9]{2,10}$/, 'an asset symbol like ETH');

/** One accepted quote: the data of PriceObserved. */
export const PriceObservation = z.object({
  asset: AssetSymbol,
  priceUsd: z.number().finite().positive(),
  /** Who reported it: the exchange feed's name, or `operator` for a pushed price. */
  source: z.string().min(1).max(100),
  /** When the source saw the price (epoch ms), not when it was stored. */
  observedAt: z.number().int().nonnegative(),
});

export const PriceEvent = z.discriminatedUnion('type', [z.object({ type: z.literal('PriceObserved'), data: PriceObservation })]);

export type PriceEvent = z.infer<typeof PriceEvent>;
export type PriceObservation = z.infer<typeof PriceObservation>;

/** The stream of one asset's observations. */
export const priceStream = (asset: string): string => `prices-${asset}`;
