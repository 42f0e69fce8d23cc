import { describe, expect, it } from 'vitest';
import { LucentError } from '@lucent/core';
import { Resilience } from '@lucent/runtime';
import type { ExchangePriceFeed } from './exchangePriceFeed.js';
import { resilientAaveBoundary, resilientPriceFeed } from './resilientPorts.js';
import { SimulatedAaveBoundary } from './simulatedAaveBoundary.js';

const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: LucentError) => `${e.code}${e.details?.['reason'] === undefined ? '' : `:${String(e.details['reason'])}`}`);

describe('resilient ports', () => {
  it('an exchange feed that keeps failing is cut off by its breaker: later quotes fail fast without calling it', async () => {
    let calls = 0;
    const down: ExchangePriceFeed = {
      name: 'down',
      quote: () => {
        calls++;
        return Promise.reject(new LucentError('UNAVAILABLE', 'exchange unreachable'));
      },
    };
    const resilience = new Resilience({ dependencies: { 'exchange-feed': { retry: false, circuit: { consecutiveFailures: 3, failureRate: false } } } });
    const feed = resilientPriceFeed(down, resilience);
    for (let i = 0; i < 3; i++) expect(await codeOf(feed.quote('ETH'))).toBe('UNAVAILABLE');
    expect(await codeOf(feed.quote('ETH'))).toBe('UNAVAILABLE:circuit-open');
    expect(calls).toBe(3);
    expect(resilience.states()).toEqual([{ dependency: 'exchange-feed', state: 'open' }]);
  });

  it('the chain boundary answers through its policy', async () => {
    const boundary = resilientAaveBoundary(new SimulatedAaveBoundary(), new Resilience());
    const { reservationId } = await boundary.reserveFunds({ key: 'k1', account: 'acct-1', asset: 'USDC', amount: 10 });
    expect(typeof reservationId).toBe('string');
  });
});
