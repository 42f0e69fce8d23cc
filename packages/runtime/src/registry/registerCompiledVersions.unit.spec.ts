// Nodes register their compiled-in versions at start: a fresh registry lists them all, and nothing that exists moves.
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { activateVersion, defineFunction } from '@lucent/core';
import { MemoryRegistryStore } from './memoryRegistryStore.js';
import { RegistryAdmin } from './registryAdmin.js';
import { registerCompiledVersions } from './registerCompiledVersions.js';

const make = (name: string, version: string, output = z.number()) => defineFunction({ name, version, input: z.object({ x: z.number() }), output }, ({ x }) => x as never);
const audit = { who: 'shard@test', why: 'compiled into the shard at start' };

describe('registerCompiledVersions', () => {
  it('creates rules for every compiled-in function, the first version active, and is idempotent across nodes starting together', async () => {
    const store = new MemoryRegistryStore();
    const defs = [make('a.one', '1.0.0'), make('a.one', '1.1.0'), make('b.two', '3.0.0')];
    const outcomes = await Promise.all([1, 2, 3].map(() => registerCompiledVersions(store, defs, audit)));
    expect(outcomes.flat().filter((o) => o.outcome === 'created').map((o) => o.name).sort()).toEqual(['a.one', 'b.two']);
    expect(outcomes.flat().filter((o) => o.outcome === 'refused')).toEqual([]);
    const list = await store.list();
    expect(list.map((e) => [e.name, e.rules.active, Object.keys(e.rules.versions).sort()])).toEqual([
      ['a.one', '1.0.0', ['1.0.0', '1.1.0']],
      ['b.two', '3.0.0', ['3.0.0']],
    ]);
    const again = await registerCompiledVersions(store, defs, audit);
    expect(again.every((o) => o.outcome === 'known')).toBe(true);
    expect((await store.list()).map((e) => e.revision)).toEqual(list.map((e) => e.revision));
  });

  it('adds a compiled-in version to existing rules inactive and leaves the operator’s active version alone', async () => {
    const store = new MemoryRegistryStore();
    const admin = new RegistryAdmin(store);
    await registerCompiledVersions(store, [make('a.one', '1.0.0'), make('a.one', '2.0.0')], audit);
    await admin.update('a.one', (r) => activateVersion(r!, '2.0.0'), { who: 'op', why: 'roll out' });
    const outcomes = await registerCompiledVersions(store, [make('a.one', '1.0.0'), make('a.one', '3.0.0')], audit);
    expect(outcomes.map((o) => o.outcome)).toEqual(['known', 'added']);
    expect((await store.get('a.one'))!.rules.active).toBe('2.0.0');
  });

  it('refuses, and reports, a version registered with other contracts instead of overwriting it', async () => {
    const store = new MemoryRegistryStore();
    await registerCompiledVersions(store, [make('a.one', '1.0.0')], audit);
    const [outcome] = await registerCompiledVersions(store, [make('a.one', '1.0.0', z.string() as never)], audit);
    expect(outcome).toMatchObject({ outcome: 'refused', error: { code: 'CONFLICT' } });
  });

  it('RegistryAdmin.register of a version already there with the same contracts writes nothing (a re-run of `lucent registry register --all`)', async () => {
    const store = new MemoryRegistryStore();
    const admin = new RegistryAdmin(store);
    const [first] = await registerCompiledVersions(store, [make('a.one', '1.0.0')], audit);
    expect(first?.outcome).toBe('created');
    const before = (await store.get('a.one'))!;
    const again = await admin.register('a.one', { ...before.rules.versions['1.0.0']!, registeredAt: 42 }, { who: 'op', why: 'register --all' });
    expect(again.revision).toBe(before.revision);
    expect(await store.history('a.one')).toHaveLength(1);
  });
});
