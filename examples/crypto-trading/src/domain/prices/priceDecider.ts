// The price decider: pure rules for which quotes enter an asset's price stream (positive, newer, no wild jump).
import { z } from 'zod';
import { RuleViolationError, decisionFunction, type Decider } from '@lucent/core';
import { withStateContract } from '../decisionState.js';
import { PriceCommand } from './priceCommands.js';
import { PriceEvent, PriceObservation } from './priceEvents.js';

/** Only the last observation matters to the rules, so the state is that one event's data. */
export interface PriceState {
  readonly last: PriceObservation | null;
}

/** The contract of the `state` a caller of prices.decide sends with the command. */
export const PriceStateContract = z.object({ last: PriceObservation.nullable() });

const initial: PriceState = { last: null };

/** Relative distance between two prices, symmetric in direction: (max − min) / max, in [0, 1). */
export function priceMove(a: number, b: number): number {
  const max = Math.max(a, b);
  return max === 0 ? 0 : (max - Math.min(a, b)) / max;
}

export const priceDecider: Decider<PriceCommand, PriceEvent, PriceState> = {
  initialState: () => initial,

  // Each observation replaces the state whole: folding only a stream's last event gives the same
  // state as folding all of it, which lets the oracle read one event instead of the whole history.
  evolve: (_state, event) => ({ last: event.data }),

  decide(command, state, ctx) {
    const { asset, priceUsd, source, observedAt, guards } = command;
    // The contract already refuses these; the rule keeps decide safe when called without it.
    if (!(Number.isFinite(priceUsd) && priceUsd > 0)) {
      throw new RuleViolationError('price.notPositive', `A price must be a positive number of USD, got ${priceUsd}`, { asset });
    }
    const now = ctx.now();
    // A quote stamped in the future would make every honest quote after it look stale.
    if (observedAt > now + guards.maxFutureMs) {
      throw new RuleViolationError('price.fromFuture', `The ${asset} quote is stamped ${observedAt - now} ms in the future`, {
        asset,
        observedAt,
        now,
      });
    }
    const last = state.last;
    if (last !== null) {
      if (observedAt <= last.observedAt) {
        throw new RuleViolationError('price.stale', `The ${asset} quote observed at ${observedAt} is not newer than the last one (${last.observedAt})`, {
          asset,
          observedAt,
          lastObservedAt: last.observedAt,
        });
      }
      const move = priceMove(last.priceUsd, priceUsd);
      if (move > guards.maxMove) {
        throw new RuleViolationError(
          'price.circuitBreaker',
          `The ${asset} quote ${priceUsd} USD is ${(move * 100).toFixed(1)}% from the last (${last.priceUsd} USD), beyond the ${guards.maxMove * 100}% circuit breaker`,
          { asset, priceUsd, lastPriceUsd: last.priceUsd, move, maxMove: guards.maxMove },
        );
      }
      // Nothing new to record: the price barely moved and the last record is recent.
      if (move < guards.minMove && observedAt - last.observedAt < guards.heartbeatMs) return [];
    }
    return [{ type: 'PriceObserved', data: { asset, priceUsd, source, observedAt } }];
  },
};

/**
 * decide as a routable function: the FunctionManager checks the command and the event against
 * their contracts, and the decide step the state against PriceStateContract.
 */
export const decidePrice = decisionFunction(
  {
    name: 'prices.decide',
    version: '1.1.0',
    description: 'Decide whether a price quote is recorded: positive, newer than the last, within the circuit breaker',
    command: PriceCommand,
    event: PriceEvent,
    tags: ['prices', 'oracle', 'decider'],
  },
  withStateContract('prices.decide', PriceStateContract, priceDecider),
);
