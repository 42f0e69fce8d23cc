// Default routes are seeded once per function: never over an operator's routes, never back after a clear.
import { describe, expect, it } from 'vitest';
import type { RoutingRule } from '@lucent/core';
import { MemoryRegistryStore } from './memoryRegistryStore.js';
import { RegistryAdmin } from './registryAdmin.js';
import { seedDefaultRoutes } from './seedDefaultRoutes.js';

const fp = { input: 'sha256:i', output: 'sha256:o' };
const setup = { who: 'setup', why: 'test' };
const seedAudit = { who: 'service', why: 'default routes' };
const defaults: RoutingRule[] = [
  { name: 'whales', functions: ['trading.placeOrder'], when: [{ fact: 'notional', gte: 1_000_000 }], requireTags: ['whale'] },
  { name: 'aave', functions: ['aave.*'], requireTags: ['aave'] },
  { name: 'small-off-whale', functions: ['trading.*'], avoidTags: ['whale'], when: [{ fact: 'notional', lt: 1_000_000 }] },
];

async function registry(...names: string[]): Promise<{ store: MemoryRegistryStore; admin: RegistryAdmin }> {
  const store = new MemoryRegistryStore();
  const admin = new RegistryAdmin(store);
  for (const name of names) await admin.register(name, { version: '1.0.0', fingerprint: fp }, setup);
  return { store, admin };
}

describe('seedDefaultRoutes', () => {
  it('gives each covered function its routes in order, without the functions patterns, and leaves the others alone', async () => {
    const { store } = await registry('trading.placeOrder', 'aave.deposit', 'yield.aprToApy');
    const seeded = await seedDefaultRoutes(store, defaults, seedAudit);
    expect([...seeded].sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: 'aave.deposit', outcome: 'seeded', routes: ['aave'] },
      { name: 'trading.placeOrder', outcome: 'seeded', routes: ['whales', 'small-off-whale'] },
    ]);
    expect((await store.get('aave.deposit'))?.rules.placement?.routes).toEqual([{ name: 'aave', requireTags: ['aave'] }]);
    expect((await store.get('yield.aprToApy'))?.rules.placement).toBeUndefined();
    expect((await store.history('aave.deposit')).at(-1)).toMatchObject({ who: 'service', why: 'default routes' });
  });

  it("keeps an operator's changed or cleared routes across restarts", async () => {
    const { store, admin } = await registry('trading.placeOrder', 'aave.deposit');
    await seedDefaultRoutes(store, defaults, seedAudit);
    await admin.route('trading.placeOrder', { name: 'whales', when: [{ fact: 'notional', gte: 50_000 }], requireTags: ['whale'] }, { who: 'ops', why: 'lower' });
    await admin.clearRoutes('aave.deposit', { who: 'ops', why: 'aave shard retired' });
    const revisions = (await store.list()).map((e) => e.revision);
    const again = await seedDefaultRoutes(store, defaults, seedAudit);
    expect(again.map((s) => s.outcome)).toEqual(['kept', 'kept']);
    expect((await store.list()).map((e) => e.revision)).toEqual(revisions);
    expect((await store.get('trading.placeOrder'))?.rules.placement?.routes?.[0]?.when).toEqual([{ fact: 'notional', gte: 50_000 }]);
    expect((await store.get('aave.deposit'))?.rules.placement?.routes).toEqual([]);
  });

  it('seeds once when several nodes start together', async () => {
    const { store } = await registry('trading.placeOrder');
    const runs = await Promise.all([1, 2, 3].map(() => seedDefaultRoutes(store, defaults, seedAudit)));
    expect(runs.flat().filter((r) => r.outcome === 'seeded')).toHaveLength(1);
    expect((await store.get('trading.placeOrder'))?.rules.placement?.routes).toHaveLength(2);
  });
});

describe('RegistryAdmin routes', () => {
  it('adds, replaces, removes and clears routes, each change audited; placement edits keep the routes', async () => {
    const { store, admin } = await registry('trading.placeOrder');
    const ops = { who: 'ops', why: 'whales' };
    await admin.route('trading.placeOrder', { name: 'whales', requireTags: ['whale'] }, ops);
    await admin.placement('trading.placeOrder', { preferTags: ['eu'] }, ops);
    expect((await store.get('trading.placeOrder'))?.rules.placement).toEqual({ preferTags: ['eu'], routes: [{ name: 'whales', requireTags: ['whale'] }] });
    await expect(admin.removeRoute('trading.placeOrder', 'nope', ops)).rejects.toMatchObject({ code: 'FUNCTION_NOT_FOUND' });
    await admin.removeRoute('trading.placeOrder', 'whales', ops);
    expect((await store.get('trading.placeOrder'))?.rules.placement?.routes).toEqual([]);
    await expect(admin.route('nope.fn', { name: 'x', requireTags: ['a'] }, ops)).rejects.toMatchObject({ code: 'FUNCTION_NOT_FOUND' });
    await expect(admin.route('trading.placeOrder', { name: 'x', requireTags: [] }, ops)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await store.history('trading.placeOrder')).map((h) => h.who)).toEqual(['setup', 'ops', 'ops', 'ops']);
  });
});
