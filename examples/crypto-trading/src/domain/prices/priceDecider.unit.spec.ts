// Price rules as given/when/then specifications: what enters an asset's price stream and what is refused.
import { describe, expect, it } from 'vitest';
import { foldEvents, validate } from '@lucent/core';
import { deciderSpec } from '@lucent/core/testing';
import { FunctionManager } from '@lucent/runtime';
import { defaultPriceGuards, type PriceCommand } from './priceCommands.js';
import { decidePrice, priceDecider, priceMove } from './priceDecider.js';
import type { PriceEvent } from './priceEvents.js';

const now = 1_700_000_000_000;
const spec = deciderSpec(priceDecider, { now, seed: 'prices' });
const quote = (priceUsd: number, observedAt: number, guards = defaultPriceGuards): PriceCommand => ({
  type: 'ObservePrice',
  asset: 'ETH',
  priceUsd,
  source: 'fake-exchange',
  observedAt,
  guards,
});
const observed = (priceUsd: number, observedAt: number): PriceEvent => ({
  type: 'PriceObserved',
  data: { asset: 'ETH', priceUsd, source: 'fake-exchange', observedAt },
});
const last = observed(3_000, now - 10_000);

describe('price decider', () => {
  it('records the first quote of an asset', () => {
    spec.given([]).when(quote(3_000, now)).then([observed(3_000, now)]);
  });

  it('records a newer quote that moved', () => {
    spec.given([last]).when(quote(2_400, now)).then([observed(2_400, now)]);
  });

  it('refuses a quote not newer than the last one', () => {
    for (const at of [now - 10_000, now - 20_000]) {
      const error = spec.given([last]).when(quote(2_900, at)).thenThrows('RULE_VIOLATED');
      expect(error.details).toMatchObject({ rule: 'price.stale', lastObservedAt: now - 10_000 });
    }
  });

  it('trips the circuit breaker on a move beyond the bound, either way, and not at it', () => {
    // (3 000 − 1 400) / 3 000 = 53%; (6 100 − 3 000) / 6 100 = 51%: both beyond 50%.
    for (const price of [1_400, 6_100]) {
      const error = spec.given([last]).when(quote(price, now)).thenThrows('RULE_VIOLATED');
      expect(error.details).toMatchObject({ rule: 'price.circuitBreaker', lastPriceUsd: 3_000, maxMove: 0.5 });
    }
    spec.given([last]).when(quote(1_500, now)).then([observed(1_500, now)]);
    // A tighter configured bound refuses what the default lets through.
    const tight = { ...defaultPriceGuards, maxMove: 0.1 };
    expect(spec.given([last]).when(quote(2_400, now, tight)).thenThrows('RULE_VIOLATED').details).toMatchObject({ rule: 'price.circuitBreaker' });
  });

  it('records nothing for a move under the deviation until the heartbeat has passed', () => {
    spec.given([last]).when(quote(3_010, now)).then([]);
    // The same 0.3% move an hour after the last record is recorded, so the latest price stays fresh.
    spec.given([observed(3_000, now - 3_600_000)]).when(quote(3_010, now)).then([observed(3_010, now)]);
  });

  it('refuses a quote stamped further in the future than the allowed clock skew', () => {
    spec.given([]).when(quote(3_000, now + 60_000)).then([observed(3_000, now + 60_000)]);
    expect(spec.given([]).when(quote(3_000, now + 60_001)).thenThrows('RULE_VIOLATED').details).toMatchObject({ rule: 'price.fromFuture' });
  });

  it('refuses a non-positive price even when called without its contract', () => {
    for (const price of [0, -1, Number.NaN]) {
      expect(spec.given([last]).when(quote(price, now)).thenThrows('RULE_VIOLATED').details).toMatchObject({ rule: 'price.notPositive' });
    }
  });

  it('needs only the last event: folding it alone gives the state of the whole stream', () => {
    const history = [observed(3_000, 1), observed(2_900, 2), observed(3_100, 3)];
    expect(foldEvents(priceDecider, history.slice(-1))).toEqual(foldEvents(priceDecider, history));
  });

  it('measures a move the same way up and down', () => {
    expect(priceMove(3_000, 1_500)).toBe(0.5);
    expect(priceMove(1_500, 3_000)).toBe(0.5);
  });

  it('as a function, has a command contract that names the bad field', () => {
    const input = (command: unknown) => ({ command, state: priceDecider.initialState() });
    expect(() => validate(decidePrice.input, input({ ...quote(-5, now) }), 'input', decidePrice.name)).toThrow(/command\.priceUsd/);
    expect(() => validate(decidePrice.input, input({ ...quote(5, now), asset: 'eth' }), 'input', decidePrice.name)).toThrow(/command\.asset/);
  });

  it('as a function, refuses a price below 10^-12 USD and a state that is not an observation, naming the field', async () => {
    const manager = new FunctionManager({ clock: () => now }).register(decidePrice);
    const refusal = (input: unknown) => manager.invoke(decidePrice.name, input).catch((e: unknown) => e as { code: string; issues: { path: string }[] });
    expect(await refusal({ command: quote(5e-324, now), state: { last: null } })).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: 'command.priceUsd' }] });
    expect(await refusal({ command: quote(3_000, now) })).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: 'state' }] });
    expect(await refusal({ command: quote(3_000, now), state: { last: { ...last.data, priceUsd: 0 } } })).toMatchObject({
      issues: [{ path: 'state.last.priceUsd' }],
    });
    expect((await manager.invoke(decidePrice.name, { command: quote(2_400, now), state: { last: last.data } })).output).toEqual([observed(2_400, now)]);
  });
});
