// The in-memory and on-disk bundle stores pass the shared contract suite.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleStoreContract } from './bundleStoreContract.js';
import { FileBundleStore } from './fileBundleStore.js';
import { MemoryBundleStore } from './memoryBundleStore.js';

bundleStoreContract('memory', () => Promise.resolve(new MemoryBundleStore()));
bundleStoreContract('file', async () => new FileBundleStore({ dir: path.join(await mkdtemp(path.join(tmpdir(), 'lucent-bundles-')), 'bundles'), pollIntervalMs: 50 }));
