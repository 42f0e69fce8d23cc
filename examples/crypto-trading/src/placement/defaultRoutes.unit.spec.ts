// The default routes and shard configs the example ships: well-formed as the registry checks them, and placing calls as documented.
import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { eligibleShards, routesFor, routesIssues, defaultRoutingTuning, type LoadReport } from '@lucent/core';
import { parseShardConfig } from '@lucent/nats';
import { functionRegistry } from '../registry/functionRegistry.js';
import { defaultRoutes } from './defaultRoutes.js';

const shardsDir = new URL('../../shards/', import.meta.url);

async function shardConfigs(): Promise<{ id: string; tags: readonly string[] }[]> {
  const files = (await readdir(shardsDir)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(files.map(async (f) => parseShardConfig(JSON.parse(await readFile(new URL(f, shardsDir), 'utf8')) as unknown)));
}

function report(id: string, tags: readonly string[]): LoadReport {
  const functions = Object.fromEntries(Object.keys(functionRegistry).map((name) => [name, { versions: ['1.0.0'], enabled: true }]));
  return { shardId: id, tags: [...tags], functions, cpu: 0.1, memoryMb: 100, memoryFraction: 0.1, eventLoopLagMs: 1, inFlight: 0, sequence: 1, sentAt: 0, startedAt: 0 };
}

describe('the example’s placement', () => {
  it('has routes the registry accepts for every function they cover', () => {
    for (const name of Object.keys(functionRegistry)) expect(routesIssues(routesFor(name, defaultRoutes)), name).toEqual([]);
    expect(routesFor('trading.placeOrder', defaultRoutes).map((r) => r.name)).toEqual(['whales', 'retail']);
  });

  it('ships whale, aave, low-latency arbitrage and general shards, and the routes send each kind of call to its own', async () => {
    const configs = await shardConfigs();
    expect(configs.map((c) => c.id)).toEqual(['aave-1', 'arbitrage-1', 'general-1', 'general-2', 'whale-1']);
    const reports = new Map(configs.map((c) => [c.id, report(c.id, c.tags)]));
    const place = (functionName: string, facts?: Record<string, number>) => {
      const call = { functionName, ...(facts === undefined ? {} : { facts }), placement: { routes: routesFor(functionName, defaultRoutes) } };
      return eligibleShards(call, [...reports.keys()], reports, [], defaultRoutingTuning);
    };
    expect(place('trading.placeOrder', { notional: 3_000_000 })).toEqual({ eligible: ['whale-1'] });
    expect(place('trading.placeOrder', { notional: 600 })).toEqual({ eligible: ['aave-1', 'arbitrage-1', 'general-1', 'general-2'] });
    expect(place('risk.healthFactor')).toEqual({ eligible: ['aave-1'] });
    expect(place('arbitrage.triangular')).toEqual({ eligible: ['arbitrage-1'] });
    expect(place('yield.aprToApy')).toEqual({ eligible: ['aave-1', 'general-1', 'general-2'] });
  });
});
