// The crypto service's default routes: whales to `whale`, Aave risk to `aave`, arbitrage to the low-latency set, analytics to the rest.
import type { RoutingRule } from '@lucent/core';

/** Orders at or above this notional (quote currency) are whales. */
export const whaleNotional = 1_000_000;

/*
 * Seeded into the registry at start (seedDefaultRoutes) for each function that never had routes;
 * from then on they are the operator's: `lucent registry route <fn> …` changes them while traffic
 * flows, and a restart does not bring the defaults back. Only the whale route is required (a whale
 * order waits for a whale shard rather than run beside retail flow); the others prefer their tags,
 * so a cluster without such a shard still serves the call.
 */
export const defaultRoutes: readonly RoutingRule[] = [
  { name: 'whales', functions: ['trading.placeOrder'], when: [{ fact: 'notional', gte: whaleNotional }], requireTags: ['whale'] },
  { name: 'retail', functions: ['trading.placeOrder'], when: [{ fact: 'notional', lt: whaleNotional }], avoidTags: ['whale'], mode: 'prefer' },
  { name: 'aave', functions: ['aave.*', 'risk.healthFactor', 'risk.liquidationPrice', 'risk.maxBorrowable'], requireTags: ['aave'], mode: 'prefer' },
  { name: 'low-latency', functions: ['arbitrage.*'], requireTags: ['arbitrage'], mode: 'prefer' },
  { name: 'analytics', functions: ['yield.*', 'risk.valueAtRisk'], avoidTags: ['whale', 'arbitrage'], mode: 'prefer' },
];
