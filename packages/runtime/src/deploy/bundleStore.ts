// The bundle store port: where `lucent publish` puts signed bundles and where nodes find them.
import type { StoredBundle } from './bundleManifest.js';

export interface BundleWatchOptions {
  /** Called once per bundle id: first for every bundle already stored, then for each new one. Never concurrently. */
  readonly onBundle: (id: string) => Promise<void> | void;
  /** Called when a delivered bundle is withdrawn; a bundle put again under that id is delivered again. */
  readonly onRemoved?: (id: string) => Promise<void> | void;
  readonly onError?: (error: unknown) => void;
}

export interface BundleWatch {
  /** Resolves once the bundles stored when the watch started have been handed to onBundle. */
  readonly ready: Promise<void>;
  stop(): Promise<void>;
}

export interface BundleStore {
  /** Store a bundle under its id. Bundles are immutable: a second put of the same id is refused with CONFLICT. */
  put(bundle: StoredBundle): Promise<void>;
  get(id: string): Promise<StoredBundle | undefined>;
  /** Ids of stored bundles, oldest first. */
  list(): Promise<string[]>;
  /**
   * Withdraw a bundle (`lucent registry withdraw`): watchers are told, and the id may be used again.
   * Resolves false when no such bundle is stored.
   */
  remove(id: string): Promise<boolean>;
  watch(options: BundleWatchOptions): BundleWatch;
  close(): Promise<void>;
}
