// Opens the bundle store a command names: JetStream Object Store (--nats) or the embedded store on disk (--data-dir).
import path from 'node:path';
import { FileBundleStore, type BundleStore } from '@lucent/runtime';
import { connectNats, NatsBundleStore } from '@lucent/nats';

export interface BundleStoreTarget {
  readonly nats?: string;
  readonly dataDir?: string;
  readonly bucket?: string;
}

export interface OpenedBundleStore {
  readonly store: BundleStore;
  readonly where: string;
  close(): Promise<void>;
}

export async function openBundleStore(target: BundleStoreTarget): Promise<OpenedBundleStore> {
  if (target.nats !== undefined && target.dataDir !== undefined) throw new TypeError('give either --nats or --data-dir, not both');
  if (target.nats !== undefined) {
    const connection = await connectNats({ url: target.nats, name: 'lucent-cli' });
    try {
      const store = await NatsBundleStore.open({ connection, ...(target.bucket === undefined ? {} : { bucket: target.bucket }) });
      return {
        store,
        where: `${target.nats} (object store ${target.bucket ?? 'lucent_bundles'})`,
        close: async () => {
          await store.close();
          await connection.drain();
        },
      };
    } catch (error) {
      await connection.close();
      throw error;
    }
  }
  if (target.dataDir !== undefined) {
    const dir = path.join(path.resolve(target.dataDir), 'bundles');
    const store = new FileBundleStore({ dir });
    return { store, where: dir, close: () => store.close() };
  }
  throw new TypeError('say where to publish: --nats URL or --data-dir DIR');
}
