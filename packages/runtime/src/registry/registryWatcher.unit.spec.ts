// A node following the registry: rules applied to its FunctionManager change what each call gets, and shadows are compared.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFunction, type RegisteredVersion } from '@lucent/core';
import { FunctionManager } from '../functionManager/functionManager.js';
import { MemoryEventStore } from '../eventStore/memoryEventStore.js';
import { MemoryRegistryStore } from './memoryRegistryStore.js';
import { RegistryAdmin } from './registryAdmin.js';
import { RegistryWatcher } from './registryWatcher.js';
import { ShadowRunner, shadowReport } from './shadowRunner.js';

const contract = { input: z.object({ x: z.number() }), output: z.object({ y: z.number(), by: z.string() }) };
const v1 = defineFunction({ name: 'quote.price', version: '1.0.0', ...contract }, ({ x }) => ({ y: x * 2, by: 'v1' }));
const v2 = defineFunction({ name: 'quote.price', version: '2.0.0', ...contract }, ({ x }) => ({ y: x * 2, by: 'v2' }));
/** Agrees with v1 on even inputs only, so divergence can be counted exactly. */
const v3 = defineFunction({ name: 'quote.price', version: '3.0.0', ...contract }, ({ x }) => ({ y: x % 2 === 0 ? x * 2 : -1, by: 'v1' }));
const fp = { input: 'sha256:in', output: 'sha256:out' };
const reg = (version: string): RegisteredVersion => ({ version, fingerprint: fp });
const ops = { who: 'ops', why: 'unit test' };

async function node(): Promise<{ manager: FunctionManager; store: MemoryRegistryStore; admin: RegistryAdmin; watcher: RegistryWatcher }> {
  const store = new MemoryRegistryStore();
  const admin = new RegistryAdmin(store);
  for (const v of ['1.0.0', '2.0.0', '3.0.0']) await admin.register('quote.price', reg(v), ops);
  const manager = new FunctionManager().register(v1, v2, v3);
  const watcher = new RegistryWatcher({ store, manager });
  await watcher.start();
  return { manager, store, admin, watcher };
}

const by = async (m: FunctionManager, userId: string, jurisdiction?: string): Promise<string> =>
  ((await m.invoke('quote.price', { x: 1 }, { business: { userId, ...(jurisdiction ? { jurisdiction } : {}) } })).output as { by: string }).by;

const codeOf = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'resolved',
    (e: { code?: string }) => e.code ?? 'unknown',
  );

describe('RegistryWatcher applying rules to a FunctionManager', () => {
  it('is ready only with the current rules applied', async () => {
    const { manager, watcher, store } = await node();
    expect(manager.rulesOf('quote.price')?.active).toBe('1.0.0');
    expect(watcher.revision).toBe((await store.get('quote.price'))?.revision);
  });

  it('switches the kill switch and the active version for new calls', async () => {
    const { manager, admin, watcher } = await node();
    const off = await admin.disable('quote.price', ops);
    await watcher.waitForRevision(off.revision);
    expect(await codeOf(manager.invoke('quote.price', { x: 1 }))).toBe('FUNCTION_DISABLED');
    const on = await admin.enable('quote.price', ops);
    await watcher.waitForRevision(on.revision);
    expect(await by(manager, 'u1')).toBe('v1');
    const switched = await admin.activate('quote.price', '2.0.0', ops);
    await watcher.waitForRevision(switched.revision);
    expect(await by(manager, 'u1')).toBe('v2');
  });

  it('refuses a denied jurisdiction with JURISDICTION_DENIED and serves the others', async () => {
    const { manager, admin, watcher } = await node();
    await watcher.waitForRevision((await admin.jurisdictions('quote.price', { deny: ['US'] }, ops)).revision);
    expect(await codeOf(manager.invoke('quote.price', { x: 1 }, { business: { jurisdiction: 'US' } }))).toBe('JURISDICTION_DENIED');
    expect(await by(manager, 'u1', 'DE')).toBe('v1');
  });

  it('sends a weighted share of keys to the new version, each key always to the same one', async () => {
    const { manager, admin, watcher } = await node();
    await watcher.waitForRevision((await admin.weights('quote.price', { '2.0.0': 50 }, ops)).revision);
    const first = await Promise.all(Array.from({ length: 400 }, (_, i) => by(manager, `user-${i}`)));
    const again = await Promise.all(Array.from({ length: 400 }, (_, i) => by(manager, `user-${i}`)));
    expect(again).toEqual(first);
    const onV2 = first.filter((b) => b === 'v2').length;
    expect(onV2).toBeGreaterThan(120);
    expect(onV2).toBeLessThan(280);
  });

  it('runs the shadow after the live reply, never returns its output, and counts agreement and divergence', async () => {
    const { manager, admin, watcher } = await node();
    const events = new MemoryEventStore();
    const shadow = new ShadowRunner({ manager, eventStore: events }).start();
    await watcher.waitForRevision((await admin.shadow('quote.price', '3.0.0', ops)).revision);
    const outputs = [];
    for (let x = 0; x < 10; x++) outputs.push((await manager.invoke('quote.price', { x }, { business: { userId: `u${x}` } })).output);
    expect(outputs).toEqual(Array.from({ length: 10 }, (_, x) => ({ y: x * 2, by: 'v1' })));
    await shadow.stop();
    expect(shadow.localReport('quote.price')).toEqual([
      expect.objectContaining({ live: '1.0.0', shadow: '3.0.0', agreed: 5, diverged: 5, failed: 0, agreementRate: 0.5 }),
    ]);
    expect(await shadowReport(events, 'quote.price')).toEqual(shadow.localReport('quote.price'));
    const diverged = (await events.readStream('shadow-quote.price')).filter((e) => e.type === 'ShadowDiverged');
    expect(diverged).toHaveLength(5);
    expect(diverged[0]?.data).toMatchObject({ input: { x: 1 }, liveOutput: { y: 2, by: 'v1' }, shadowOutput: { y: -1, by: 'v1' } });
    expect(await shadow.metrics.getSingleMetricAsString('lucent_shadow_comparisons_total')).toContain('outcome="diverged"} 5');
  });

  it('lets a function without rules run exactly as before', async () => {
    const manager = new FunctionManager().register(v1);
    expect(manager.rulesOf('quote.price')).toBeUndefined();
    expect(await by(manager, 'u1')).toBe('v1');
  });
});

describe('RegistryWatcher as a rules view, with no function host', () => {
  it('emits every change in revision order and serves the latest rules by name', async () => {
    const store = new MemoryRegistryStore();
    const admin = new RegistryAdmin(store);
    await admin.register('quote.price', reg('1.0.0'), ops);
    const seen: [string, boolean | undefined, number][] = [];
    const watcher = new RegistryWatcher({ store, onRules: (name, rules, revision) => seen.push([name, rules?.enabled, revision]) });
    await watcher.start();
    await admin.register('quote.price', reg('2.0.0'), ops);
    const off = await admin.disable('quote.price', ops);
    await watcher.waitForRevision(off.revision);
    expect(seen.map(([, enabled]) => enabled)).toEqual([true, true, false]);
    expect(seen.map(([, , revision]) => revision)).toEqual([...seen.map(([, , r]) => r)].sort((a, b) => a - b));
    expect(watcher.appliedEntry('quote.price')?.rules.enabled).toBe(false);
    await watcher.stop();
  });
});
