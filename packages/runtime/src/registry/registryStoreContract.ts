// The one contract suite every RegistryStore must pass; the memory spec and the JetStream KV spec both call it.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  activateVersion,
  clearRoutes,
  initialRules,
  registerVersion,
  setEnabled,
  setRoute,
  setWeights,
  type FunctionRules,
  type RegisteredVersion,
} from '@lucent/core';
import type { RegistryChange, RegistryStore } from './registryStore.js';

const fp = (tag: string): RegisteredVersion['fingerprint'] => ({ input: `sha256:in-${tag}`, output: `sha256:out-${tag}` });
const v = (version: string, tag = 'a'): RegisteredVersion => ({ version, fingerprint: fp(tag) });
const who = { who: 'ops@test', why: 'contract suite' };

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Declare the shared cases. `makeStore` returns a store over an empty registry (its own bucket or instance). */
export function registryStoreContract(label: string, makeStore: () => Promise<RegistryStore>): void {
  describe(`RegistryStore contract: ${label}`, () => {
    let store: RegistryStore;
    beforeAll(async () => {
      store = await makeStore();
    });
    afterAll(async () => {
      await store.close();
    });
    const fresh = (): string => `fn.${randomUUID().slice(0, 8)}`;

    it('creates rules at expected revision 0, then reads them back with their revision', async () => {
      const name = fresh();
      const written = await store.compareAndSet(name, 0, initialRules(name, v('1.0.0')), who);
      expect(written.revision).toBeGreaterThan(0);
      const read = await store.get(name);
      expect(read).toEqual({ name, revision: written.revision, rules: initialRules(name, v('1.0.0')) });
      expect((await store.list()).map((e) => e.name)).toContain(name);
      expect(await store.get(fresh())).toBeUndefined();
    });

    it('refuses a stale revision with REGISTRY_CONFLICT and keeps the winner', async () => {
      const name = fresh();
      const first = await store.compareAndSet(name, 0, initialRules(name, v('1.0.0')), who);
      await expect(store.compareAndSet(name, 0, initialRules(name, v('9.9.9')), who)).rejects.toMatchObject({
        code: 'REGISTRY_CONFLICT',
      });
      const rules = registerVersion(first.rules, v('1.1.0'));
      const [a, b] = await Promise.allSettled([
        store.compareAndSet(name, first.revision, setEnabled(rules, false), who),
        store.compareAndSet(name, first.revision, setWeights(rules, { '1.1.0': 5 }), who),
      ]);
      const outcomes = [a, b].map((r) => r.status).sort();
      expect(outcomes).toEqual(['fulfilled', 'rejected']);
      const loser = [a, b].find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(loser.reason).toMatchObject({ code: 'REGISTRY_CONFLICT' });
      const winner = [a, b].find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ revision: number; rules: FunctionRules }>;
      expect((await store.get(name))?.revision).toBe(winner.value.revision);
      expect((await store.get(name))?.rules).toEqual(winner.value.rules);
    });

    it('refuses malformed rules with VALIDATION_FAILED and writes nothing', async () => {
      const name = fresh();
      const ok = await store.compareAndSet(name, 0, initialRules(name, v('1.0.0')), who);
      const bad = { ...ok.rules, weights: { '2.0.0': 10 } };
      await expect(store.compareAndSet(name, ok.revision, bad, who)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      await expect(store.compareAndSet(name, ok.revision, ok.rules, { who: '', why: '' })).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      });
      expect(await store.get(name)).toEqual(ok);
      expect(await store.history(name)).toHaveLength(1);
    });

    it('refuses to activate or weight an incompatible contract unless forced with a reason', async () => {
      const name = fresh();
      const base = await store.compareAndSet(name, 0, registerVersion(initialRules(name, v('1.0.0')), v('2.0.0', 'b')), who);
      await expect(store.compareAndSet(name, base.revision, activateVersion(base.rules, '2.0.0'), who)).rejects.toMatchObject({
        code: 'CONTRACT_INCOMPATIBLE',
      });
      await expect(store.compareAndSet(name, base.revision, setWeights(base.rules, { '2.0.0': 1 }), who)).rejects.toMatchObject({
        code: 'CONTRACT_INCOMPATIBLE',
      });
      expect(await store.get(name)).toEqual(base);
      const forced = await store.compareAndSet(name, base.revision, activateVersion(base.rules, '2.0.0'), {
        who: 'lead@test',
        why: 'new quote format agreed with every caller',
        force: true,
      });
      expect(forced.rules.active).toBe('2.0.0');
      const [, last] = await store.history(name);
      expect(last).toMatchObject({ who: 'lead@test', forced: true, revision: forced.revision });
    });

    it('keeps an audit record of every change: who, when, old, new, why', async () => {
      const name = fresh();
      const before = Date.now();
      const one = await store.compareAndSet(name, 0, initialRules(name, v('1.0.0')), { who: 'alice', why: 'first' });
      const two = await store.compareAndSet(name, one.revision, setEnabled(one.rules, false), { who: 'bob', why: 'incident 42' });
      const history = await store.history(name);
      expect(history.map((h) => [h.who, h.why, h.revision])).toEqual([
        ['alice', 'first', one.revision],
        ['bob', 'incident 42', two.revision],
      ]);
      expect(history[0]?.old).toBeNull();
      expect(history[1]?.old).toEqual(one.rules);
      expect(history[1]?.new).toEqual(two.rules);
      expect(history[1]?.at).toBeGreaterThanOrEqual(before - 5_000);
      expect((await store.history(name, { direction: 'backwards', maxCount: 1 })).map((h) => h.who)).toEqual(['bob']);
      expect(await store.history(fresh())).toEqual([]);
    });

    it('keeps routes as written: conditions, tags and order round-trip, a cleared list stays empty, malformed routes are refused', async () => {
      const name = fresh();
      const one = await store.compareAndSet(name, 0, initialRules(name, v('1.0.0')), who);
      const whales = { name: 'whales', when: [{ fact: 'notional', gte: 1_000_000 }], requireTags: ['whale'] };
      const eth = { name: 'eth', when: [{ fact: 'pair', in: ['ETH-USDC', 'ETH-DAI'] }, { fact: 'side', equals: 'buy' }], avoidTags: ['slow'], mode: 'prefer' as const };
      const routed = await store.compareAndSet(name, one.revision, setRoute(setRoute(one.rules, whales), eth), { who: 'ops', why: 'whales to whale' });
      expect((await store.get(name))?.rules.placement?.routes).toEqual([whales, eth]);
      const [, recorded] = await store.history(name);
      expect(recorded?.new.placement?.routes).toEqual([whales, eth]);
      expect(recorded).toMatchObject({ who: 'ops', why: 'whales to whale' });
      const cleared = await store.compareAndSet(name, routed.revision, clearRoutes(routed.rules), who);
      expect((await store.get(name))?.rules.placement).toEqual({ routes: [] });
      const bad = setRoute(cleared.rules, { name: 'bad', when: [{ fact: 'notional', gte: Number.NaN }], requireTags: ['whale'] });
      await expect(store.compareAndSet(name, cleared.revision, bad, who)).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        issues: [{ path: 'placement.routes[0].when[0].gte', message: 'must be a finite number' }],
      });
      expect((await store.get(name))?.revision).toBe(cleared.revision);
    });

    it('watch delivers the current values before ready, then each change in revision order', async () => {
      const name = fresh();
      const one = await store.compareAndSet(name, 0, initialRules(name, v('1.0.0')), who);
      const seen: RegistryChange[] = [];
      const watch = store.watch({ onChange: (c) => seen.push(c) });
      await watch.ready;
      const snapshot = seen.filter((c) => c.name === name);
      expect(snapshot).toEqual([{ ...one, initial: true }]);
      const two = await store.compareAndSet(name, one.revision, setEnabled(one.rules, false), who);
      const three = await store.compareAndSet(name, two.revision, setEnabled(two.rules, true), who);
      await until(() => seen.some((c) => c.revision === three.revision));
      const mine = seen.filter((c) => c.name === name);
      expect(mine.map((c) => [c.revision, c.rules.enabled, c.initial])).toEqual([
        [one.revision, true, true],
        [two.revision, false, false],
        [three.revision, true, false],
      ]);
      const all = seen.map((c) => c.revision);
      expect(all).toEqual([...all].sort((x, y) => x - y));
      expect(watch.revision).toBeGreaterThanOrEqual(three.revision);
      await watch.stop();
    });

    it('a watch resumed after a revision delivers only what changed since, and nothing twice', async () => {
      const name = fresh();
      const one = await store.compareAndSet(name, 0, initialRules(name, v('1.0.0')), who);
      const two = await store.compareAndSet(name, one.revision, setEnabled(one.rules, false), who);
      const seen: RegistryChange[] = [];
      const watch = store.watch({ afterRevision: one.revision, onChange: (c) => seen.push(c) });
      await watch.ready;
      const three = await store.compareAndSet(name, two.revision, setEnabled(two.rules, true), who);
      await until(() => seen.some((c) => c.revision === three.revision));
      const mine = seen.filter((c) => c.name === name).map((c) => c.revision);
      expect(mine).toEqual([two.revision, three.revision]);
      expect(seen.every((c) => c.revision > one.revision)).toBe(true);
      await watch.stop();
    });
  });
}
