// Bundle store on a JetStream Object Store: one object per bundle (manifest, signature and code in one envelope).
import { StorageType, type NatsConnection, type ObjectStore } from 'nats';
import { LucentError } from '@lucent/core';
import {
  decodeBundleEnvelope,
  encodeBundleEnvelope,
  isBundleId,
  type BundleStore,
  type BundleWatch,
  type BundleWatchOptions,
  type StoredBundle,
} from '@lucent/runtime';
import { streamExists } from '../transport/streamNotFound.js';

export interface NatsBundleStoreOptions {
  readonly connection: NatsConnection;
  /** Object store bucket (default `lucent_bundles`). */
  readonly bucket?: string;
  /** Replicas of the bucket when it is created (default 1). */
  readonly replicas?: number;
  /** Never create the bucket (read-only commands): open resolves undefined when it does not exist. */
  readonly bindOnly?: boolean;
}

function unavailable(what: string, error: unknown): LucentError {
  return new LucentError('UNAVAILABLE', `NATS object store ${what} failed: ${String(error)}`, undefined, { cause: error });
}

export class NatsBundleStore implements BundleStore {
  private readonly stops = new Set<() => Promise<void>>();

  private constructor(private readonly objects: ObjectStore) {}

  /** Open (creating when missing) the bucket. */
  static async open(options: NatsBundleStoreOptions & { readonly bindOnly?: false }): Promise<NatsBundleStore>;
  /** Open the bucket if it exists; undefined when it does not, and nothing is created. */
  static async open(options: NatsBundleStoreOptions & { readonly bindOnly: true }): Promise<NatsBundleStore | undefined>;
  static async open(options: NatsBundleStoreOptions): Promise<NatsBundleStore | undefined> {
    const bucket = options.bucket ?? 'lucent_bundles';
    if (options.bindOnly === true) {
      // The object store API has no bind-only open: ask for its stream first, so a look creates nothing.
      const exists = await streamExists(options.connection, `OBJ_${bucket}`).catch((error: unknown) => {
        throw unavailable('bucket lookup', error);
      });
      if (!exists) return undefined;
    }
    const objects = await options.connection.jetstream().views.os(bucket, { storage: StorageType.File, replicas: options.replicas ?? 1 });
    return new NatsBundleStore(objects);
  }

  async remove(id: string): Promise<boolean> {
    if (!isBundleId(id)) return false;
    const existing = await this.objects.info(id).catch((error: unknown) => {
      throw unavailable('info', error);
    });
    if (!existing || existing.deleted) return false;
    await this.objects.delete(id).catch((error: unknown) => {
      throw unavailable('delete', error);
    });
    return true;
  }

  async put(bundle: StoredBundle): Promise<void> {
    if (!isBundleId(bundle.id)) throw new LucentError('VALIDATION_FAILED', `"${bundle.id}" is not a valid bundle id`);
    const existing = await this.objects.info(bundle.id).catch((error: unknown) => {
      throw unavailable('info', error);
    });
    if (existing && !existing.deleted) {
      throw new LucentError('CONFLICT', `Bundle ${bundle.id} is already stored; bundles are immutable`);
    }
    // The object's meta entry is written after its chunks, so a watcher never sees a partial bundle.
    await this.objects.putBlob({ name: bundle.id }, encodeBundleEnvelope(bundle)).catch((error: unknown) => {
      throw unavailable('put', error);
    });
  }

  async get(id: string): Promise<StoredBundle | undefined> {
    const bytes = await this.objects.getBlob(id).catch((error: unknown) => {
      throw unavailable('get', error);
    });
    if (bytes === null) return undefined;
    const bundle = decodeBundleEnvelope(bytes, id);
    // The object name is what a watcher was told; an envelope claiming another id is not this bundle.
    return bundle.id === id ? bundle : { ...bundle, id };
  }

  async list(): Promise<string[]> {
    const infos = await this.objects.list().catch((error: unknown) => {
      throw unavailable('list', error);
    });
    return infos
      .filter((i) => !i.deleted)
      .sort((a, b) => a.revision - b.revision)
      .map((i) => i.name);
  }

  watch(options: BundleWatchOptions): BundleWatch {
    const onError = options.onError ?? (() => {});
    let stopped = false;
    let iterator: { stop(): void } | undefined;
    let markReady: () => void = () => {};
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    const seen = new Set<string>();
    const run = async (): Promise<void> => {
      const iter = await this.objects.watch({ includeHistory: true, ignoreDeletes: false });
      iterator = iter;
      if (stopped) iter.stop();
      for await (const info of iter) {
        if (stopped) break;
        // null: the bundles stored before the watch have all been delivered.
        if (info === null) {
          markReady();
          continue;
        }
        try {
          if (info.deleted) {
            // A withdrawn bundle: forgotten, so the same id published again is delivered again.
            if (seen.delete(info.name)) await options.onRemoved?.(info.name);
            continue;
          }
          if (seen.has(info.name)) continue;
          seen.add(info.name);
          await options.onBundle(info.name);
        } catch (error) {
          onError(error);
        }
      }
    };
    const done = run().catch((error: unknown) => {
      markReady();
      if (!stopped) onError(unavailable('watch', error));
    });
    const stop = async (): Promise<void> => {
      stopped = true;
      iterator?.stop();
      markReady();
      this.stops.delete(stop);
      await done;
    };
    this.stops.add(stop);
    return { ready, stop };
  }

  async close(): Promise<void> {
    await Promise.all([...this.stops].map((stop) => stop()));
  }
}
