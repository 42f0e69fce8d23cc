// A shard of the crypto trading service: the functions `lucent shard` hosts, and a runnable entry (`node dist/shard.js [config]`).
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createLogger } from '@lucent/runtime';
import { parseShardConfig, startNatsShard } from '@lucent/nats';
import { functionRegistry } from './registry/functionRegistry.js';

/** What a shard of this service hosts: the whole generated registry (narrow it with the config's `only`). */
export const functions = functionRegistry;

/**
 * Start one shard from a config file; env LUCENT_NATS_URL and LUCENT_SHARD_ID override the file, and
 * LUCENT_PUBLIC_KEY_FILE (the publishers' key from `lucent keygen`) makes the shard load bundles
 * published with `lucent publish` (bucket LUCENT_BUNDLE_BUCKET, default `lucent_bundles`).
 */
export async function runShard(configPath: string): Promise<() => Promise<void>> {
  const path = resolve(configPath);
  const overrides = {
    ...(process.env['LUCENT_NATS_URL'] ? { nats: process.env['LUCENT_NATS_URL'] } : {}),
    ...(process.env['LUCENT_SHARD_ID'] ? { id: process.env['LUCENT_SHARD_ID'] } : {}),
    ...(process.env['LUCENT_PUBLIC_KEY_FILE']
      ? {
          bundles: {
            publicKeyFile: resolve(process.env['LUCENT_PUBLIC_KEY_FILE']),
            ...(process.env['LUCENT_BUNDLE_BUCKET'] ? { bucket: process.env['LUCENT_BUNDLE_BUCKET'] } : {}),
          },
        }
      : {}),
  };
  const config = parseShardConfig(JSON.parse(await readFile(path, 'utf8')) as unknown, overrides);
  const running = await startNatsShard({ config, functions, baseDir: dirname(path), logger: createLogger() });
  return () => running.stop();
}

const here = fileURLToPath(import.meta.url);
if (process.argv[1] !== undefined && pathToFileURL(resolve(process.argv[1])).href === pathToFileURL(here).href) {
  const defaultConfig = fileURLToPath(new URL('../shard.config.json', import.meta.url));
  const stop = await runShard(process.argv[2] ?? defaultConfig);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void stop().then(() => process.exit(0));
    });
  }
}
