// The one contract suite every BundleStore implementation must pass; each implementation's spec calls it.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LucentError } from '@lucent/core';
import type { StoredBundle } from './bundleManifest.js';
import type { BundleStore } from './bundleStore.js';

const sample = (signed = true): StoredBundle => {
  const id = `contract-${randomUUID().slice(0, 8)}`;
  const code = new TextEncoder().encode(`export const marker = '${id}';\n// ünïcode and a newline\n`);
  const manifest = JSON.stringify({ id, note: 'line\nbreak' });
  return signed ? { id, code, manifest, signature: 'c2lnbmF0dXJl' } : { id, code, manifest };
};

async function eventually(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Declare the shared cases. `makeStore` must return an empty store of its own (bucket, directory or instance). */
export function bundleStoreContract(name: string, makeStore: () => Promise<BundleStore>): void {
  describe(`BundleStore contract: ${name}`, () => {
    let store: BundleStore;
    beforeAll(async () => {
      store = await makeStore();
    });
    afterAll(async () => {
      await store.close();
    });

    it('returns exactly the bytes, manifest and signature that were put', async () => {
      const b = sample();
      await store.put(b);
      const got = await store.get(b.id);
      expect(got?.id).toBe(b.id);
      expect(Buffer.from(got!.code).equals(Buffer.from(b.code))).toBe(true);
      expect(got?.manifest).toBe(b.manifest);
      expect(got?.signature).toBe(b.signature);
      expect(await store.list()).toContain(b.id);
    });

    it('keeps an unsigned bundle unsigned (the deployer must see that)', async () => {
      const b = sample(false);
      await store.put(b);
      expect((await store.get(b.id))?.signature).toBeUndefined();
    });

    it('answers undefined for an unknown id', async () => {
      expect(await store.get(`missing-${randomUUID().slice(0, 8)}`)).toBeUndefined();
    });

    it('refuses to overwrite a stored bundle, and keeps the first', async () => {
      const b = sample();
      await store.put(b);
      const other = { ...b, code: new TextEncoder().encode('export const evil = 1;') };
      await expect(store.put(other)).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(Buffer.from((await store.get(b.id))!.code).equals(Buffer.from(b.code))).toBe(true);
    });

    it('refuses ids that could escape the store', async () => {
      const b = { ...sample(), id: '../escape' };
      await expect(store.put(b)).rejects.toBeInstanceOf(LucentError);
    });

    it('a watch delivers stored bundles before ready, then each new bundle once', async () => {
      const before = sample();
      await store.put(before);
      const seen: string[] = [];
      const watch = store.watch({ onBundle: (id) => void seen.push(id) });
      await watch.ready;
      expect(seen).toContain(before.id);
      const after = sample();
      await store.put(after);
      await eventually(() => seen.includes(after.id));
      expect(seen.filter((id) => id === after.id)).toHaveLength(1);
      expect(seen.filter((id) => id === before.id)).toHaveLength(1);
      await watch.stop();
      const late = sample();
      await store.put(late);
      await new Promise((r) => setTimeout(r, 300));
      expect(seen).not.toContain(late.id);
    });
  
    it('withdraws a bundle: watchers are told, and the same id can be published again and is delivered again', async () => {
      const b = sample();
      await store.put(b);
      const seen: string[] = [];
      const removed: string[] = [];
      const watch = store.watch({ onBundle: (id) => void seen.push(id), onRemoved: (id) => void removed.push(id) });
      await watch.ready;
      expect(await store.remove(b.id)).toBe(true);
      expect(await store.remove(b.id)).toBe(false);
      expect(await store.get(b.id)).toBeUndefined();
      expect(await store.list()).not.toContain(b.id);
      await eventually(() => removed.includes(b.id));
      await store.put(b);
      await eventually(() => seen.filter((id) => id === b.id).length === 2);
      await watch.stop();
    });
  });
}
