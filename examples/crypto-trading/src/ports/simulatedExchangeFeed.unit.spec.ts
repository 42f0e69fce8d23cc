// The simulated exchange passes the ExchangePriceFeed contract and moves a price only when told to.
import { describe, expect, it } from 'vitest';
import { exchangePriceFeedContract } from './exchangePriceFeedContract.js';
import { SimulatedExchangeFeed } from './simulatedExchangeFeed.js';

exchangePriceFeedContract('simulated', (setup) => new SimulatedExchangeFeed(setup));

describe('SimulatedExchangeFeed', () => {
  it('quotes the price an operator set, from then on', async () => {
    let now = 1_000;
    const feed = new SimulatedExchangeFeed({ prices: { ETH: 3_000 }, clock: () => now });
    feed.set('ETH', 2_500);
    now = 2_000;
    expect(await feed.quote('ETH')).toEqual({ priceUsd: 2_500, observedAt: 2_000 });
  });
});
