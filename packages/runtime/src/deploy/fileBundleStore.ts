// Embedded bundle store on disk: one directory per bundle (code.mjs, manifest.json, signature), polled by watchers.
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LucentError } from '@lucent/core';
import { isBundleId, type StoredBundle } from './bundleManifest.js';
import type { BundleStore, BundleWatch, BundleWatchOptions } from './bundleStore.js';
import { SerialQueue } from './serialQueue.js';

export interface FileBundleStoreOptions {
  /** Directory holding the bundles, e.g. `<data-dir>/bundles`. Created when missing. */
  readonly dir: string;
  /** How often watchers look for new bundles (default 500 ms). */
  readonly pollIntervalMs?: number;
}

const files = { code: 'code.mjs', manifest: 'manifest.json', signature: 'signature' } as const;

function checkId(id: string): void {
  // The id becomes a path segment: refuse anything that could leave the store's directory.
  if (!isBundleId(id)) throw new LucentError('VALIDATION_FAILED', `"${id}" is not a valid bundle id`, { id });
}

export class FileBundleStore implements BundleStore {
  private readonly dir: string;
  private readonly pollIntervalMs: number;
  private readonly stops = new Set<() => Promise<void>>();

  constructor(options: FileBundleStoreOptions) {
    this.dir = path.resolve(options.dir);
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
  }

  async put(bundle: StoredBundle): Promise<void> {
    checkId(bundle.id);
    await mkdir(this.dir, { recursive: true });
    const target = path.join(this.dir, bundle.id);
    if (await this.exists(target)) throw new LucentError('CONFLICT', `Bundle ${bundle.id} is already stored; bundles are immutable`);
    // Write beside the target and rename, so a watcher never sees a half-written bundle.
    const staging = path.join(this.dir, `.staging-${randomUUID()}`);
    await mkdir(staging);
    try {
      await writeFile(path.join(staging, files.code), bundle.code);
      await writeFile(path.join(staging, files.manifest), bundle.manifest);
      if (bundle.signature !== undefined) await writeFile(path.join(staging, files.signature), bundle.signature);
      await rename(staging, target);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      if ((error as NodeJS.ErrnoException).code === 'ENOTEMPTY' || (error as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new LucentError('CONFLICT', `Bundle ${bundle.id} is already stored; bundles are immutable`);
      }
      throw error;
    }
  }

  async get(id: string): Promise<StoredBundle | undefined> {
    checkId(id);
    const base = path.join(this.dir, id);
    if (!(await this.exists(base))) return undefined;
    const [code, manifest, signature] = await Promise.all([
      readFile(path.join(base, files.code)),
      readFile(path.join(base, files.manifest), 'utf8'),
      readFile(path.join(base, files.signature), 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      }),
    ]);
    return signature === undefined
      ? { id, code: new Uint8Array(code), manifest }
      : { id, code: new Uint8Array(code), manifest, signature: signature.trim() };
  }

  async list(): Promise<string[]> {
    const entries = await readdir(this.dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    const ids = entries.filter((e) => e.isDirectory() && isBundleId(e.name)).map((e) => e.name);
    const timed = await Promise.all(ids.map(async (id) => ({ id, at: (await stat(path.join(this.dir, id))).mtimeMs })));
    return timed.sort((a, b) => a.at - b.at || a.id.localeCompare(b.id)).map((t) => t.id);
  }

  async remove(id: string): Promise<boolean> {
    checkId(id);
    const target = path.join(this.dir, id);
    if (!(await this.exists(target))) return false;
    // Renamed away first, so a watcher never reads half a deleted bundle.
    const doomed = path.join(this.dir, `.removed-${randomUUID()}`);
    await rename(target, doomed);
    await rm(doomed, { recursive: true, force: true });
    return true;
  }

  watch(options: BundleWatchOptions): BundleWatch {
    const queue = new SerialQueue();
    const onError = options.onError ?? (() => {});
    const seen = new Set<string>();
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const scan = async (): Promise<void> => {
      const present = new Set(await this.list());
      for (const id of seen) {
        if (stopped || present.has(id)) continue;
        seen.delete(id);
        await queue.push(() => options.onRemoved?.(id), onError);
      }
      for (const id of present) {
        if (stopped || seen.has(id)) continue;
        seen.add(id);
        await queue.push(() => options.onBundle(id), onError);
      }
    };
    const loop = (): void => {
      if (stopped) return;
      timer = setTimeout(() => {
        scan().then(loop, (error: unknown) => {
          onError(error);
          loop();
        });
      }, this.pollIntervalMs);
    };
    const ready = scan().then(loop, (error: unknown) => {
      onError(error);
      loop();
    });
    const stop = async (): Promise<void> => {
      stopped = true;
      if (timer) clearTimeout(timer);
      this.stops.delete(stop);
      await queue.drained();
    };
    this.stops.add(stop);
    return { ready, stop };
  }

  async close(): Promise<void> {
    await Promise.all([...this.stops].map((stop) => stop()));
  }

  private async exists(p: string): Promise<boolean> {
    return stat(p).then(
      () => true,
      () => false,
    );
  }
}
