// The one behavioural suite every ExchangePriceFeed implementation must pass (the simulated one here; a live exchange client the same way).
import { describe, expect, it } from 'vitest';
import type { ExchangePriceFeed } from './exchangePriceFeed.js';

/** `make` returns a feed quoting exactly `prices`, stamping quotes with `clock` when it can (a live one uses the exchange's time). */
export function exchangePriceFeedContract(
  name: string,
  make: (setup: { readonly prices: Readonly<Record<string, number>>; readonly clock: () => number }) => ExchangePriceFeed | Promise<ExchangePriceFeed>,
  options: { readonly stampsWithClock?: boolean } = {},
): void {
  describe(`ExchangePriceFeed contract: ${name}`, () => {
    const now = 1_750_000_000_000;

    it('names itself: the source stored with every observation', async () => {
      const feed = await make({ prices: { ETH: 3_000 }, clock: () => now });
      expect(feed.name).toMatch(/^\S+$/);
    });

    it('quotes a listed asset as a positive, finite USD price with the time it was seen', async () => {
      const feed = await make({ prices: { ETH: 3_000, BTC: 60_000 }, clock: () => now });
      const eth = await feed.quote('ETH');
      expect(eth.priceUsd).toBeGreaterThan(0);
      expect(Number.isFinite(eth.priceUsd)).toBe(true);
      expect(Number.isInteger(eth.observedAt)).toBe(true);
      if (options.stampsWithClock ?? true) expect(eth).toEqual({ priceUsd: 3_000, observedAt: now });
      expect((await feed.quote('BTC')).priceUsd).not.toBe(eth.priceUsd);
    });

    it('answers the same price twice while the market has not moved', async () => {
      const feed = await make({ prices: { ETH: 3_000 }, clock: () => now });
      expect((await feed.quote('ETH')).priceUsd).toBe((await feed.quote('ETH')).priceUsd);
    });

    it('refuses an asset it does not quote with UNAVAILABLE naming the asset', async () => {
      const feed = await make({ prices: { ETH: 3_000 }, clock: () => now });
      await expect(feed.quote('NOPE')).rejects.toMatchObject({ code: 'UNAVAILABLE', details: { asset: 'NOPE' } });
    });
  });
}
