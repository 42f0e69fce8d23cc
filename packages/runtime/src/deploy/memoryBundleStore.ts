// In-memory bundle store: the twin of the disk and NATS stores for tests and single-process use.
import { LucentError } from '@lucent/core';
import { isBundleId, type StoredBundle } from './bundleManifest.js';
import type { BundleStore, BundleWatch, BundleWatchOptions } from './bundleStore.js';
import { SerialQueue } from './serialQueue.js';

export class MemoryBundleStore implements BundleStore {
  private readonly bundles = new Map<string, StoredBundle>();
  private readonly watchers = new Set<(id: string, removed: boolean) => void>();

  put(bundle: StoredBundle): Promise<void> {
    if (!isBundleId(bundle.id)) {
      return Promise.reject(new LucentError('VALIDATION_FAILED', `"${bundle.id}" is not a valid bundle id`, { id: bundle.id }));
    }
    if (this.bundles.has(bundle.id)) {
      return Promise.reject(new LucentError('CONFLICT', `Bundle ${bundle.id} is already stored; bundles are immutable`));
    }
    // Copy the bytes: a caller mutating its buffer afterwards must not change what was stored.
    this.bundles.set(bundle.id, { ...bundle, code: new Uint8Array(bundle.code) });
    for (const notify of this.watchers) notify(bundle.id, false);
    return Promise.resolve();
  }

  remove(id: string): Promise<boolean> {
    if (!this.bundles.delete(id)) return Promise.resolve(false);
    for (const notify of this.watchers) notify(id, true);
    return Promise.resolve(true);
  }

  get(id: string): Promise<StoredBundle | undefined> {
    const found = this.bundles.get(id);
    return Promise.resolve(found && { ...found, code: new Uint8Array(found.code) });
  }

  list(): Promise<string[]> {
    return Promise.resolve([...this.bundles.keys()]);
  }

  watch(options: BundleWatchOptions): BundleWatch {
    const queue = new SerialQueue();
    const onError = options.onError ?? (() => {});
    const notify = (id: string, removed: boolean): void =>
      void queue.push(() => (removed ? options.onRemoved?.(id) : options.onBundle(id)), onError);
    for (const id of this.bundles.keys()) notify(id, false);
    const ready = queue.drained();
    this.watchers.add(notify);
    return {
      ready,
      stop: async () => {
        this.watchers.delete(notify);
        await queue.drained();
      },
    };
  }

  close(): Promise<void> {
    this.watchers.clear();
    return Promise.resolve();
  }
}
