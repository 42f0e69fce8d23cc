// `lucent publish <module.ts> --key FILE (--nats URL | --data-dir DIR)`: bundle, sign and store a function module, then wait for the shards' verdicts.
import { readFile } from 'node:fs/promises';
import { privateSigningKey } from '@lucent/runtime';
import { parseCommandArgs, type Command } from './command.js';

export const publishUsage = `usage: lucent publish <module.ts> --key <ed25519 private key file> (--nats URL | --data-dir DIR) [options]
  --key FILE             the private key from \`lucent keygen\` (or LUCENT_SIGNING_KEY_FILE)
  --nats URL             store in the cluster's JetStream object store and wait for its shards' verdicts
  --data-dir DIR         store in an embedded service's data directory (no shards to wait for)
  --prefix P             the cluster's subject prefix (default lucent): buckets P_bundles and P-registry
  --bucket B             object store bucket (default from --prefix, lucent_bundles)
  --registry-bucket B    registry KV bucket (default from --prefix, lucent-registry)
  --wait S               seconds to wait for every shard's verdict (default 20; 0: do not wait)
  --json                 print the manifest, the shards' verdicts and the registry state as JSON
exit codes: 0 stored and loaded by every shard that answered; 1 a shard refused it (the reason is
printed: bad-signature, hash-mismatch, …) or did not answer in time; 2 usage`;

export const publishCommand: Command = {
  usage: publishUsage,
  async run(argv) {
    const parsed = parseCommandArgs('publish', argv, {
      key: { type: 'string' },
      nats: { type: 'string' },
      'data-dir': { type: 'string' },
      prefix: { type: 'string', default: 'lucent' },
      bucket: { type: 'string' },
      'registry-bucket': { type: 'string' },
      wait: { type: 'string', default: '20' },
      json: { type: 'boolean', default: false },
    }, publishUsage);
    if (parsed === undefined) return 2;
    const { values, positionals } = parsed;
    const modulePath = positionals[0];
    const keyFile = values.key ?? (process.env['LUCENT_SIGNING_KEY_FILE'] || undefined);
    const waitSeconds = Number(values.wait);
    const problem =
      modulePath === undefined
        ? 'name the module to publish, e.g. `lucent publish src/domain/quote.ts`'
        : keyFile === undefined
          ? 'give --key FILE (the private key `lucent keygen --out DIR` wrote) or set LUCENT_SIGNING_KEY_FILE'
          : values.nats === undefined && values['data-dir'] === undefined
            ? 'say where to publish: --nats URL (a cluster) or --data-dir DIR (an embedded service)'
            : !Number.isFinite(waitSeconds) || waitSeconds < 0
              ? `--wait takes seconds (0 or more), not "${values.wait}"`
              : undefined;
    if (problem !== undefined) {
      console.error(`lucent publish: ${problem}\n${publishUsage}`);
      return 2;
    }
    // Loaded on demand: esbuild and the store clients are not worth loading for every `lucent` command.
    const { buildSignedBundle } = await import('../publish/bundleFunctionModule.js');
    const { publishToCluster, publishToDirectory } = await import('../publish/publishBundle.js');
    const key = privateSigningKey(await readFile(keyFile!, 'utf8'));
    const built = await buildSignedBundle(modulePath!, key, Date.now());
    if (values.nats === undefined) return publishToDirectory(built, values['data-dir']!, values.json);
    return publishToCluster(built, {
      nats: values.nats,
      prefix: values.prefix,
      ...(values.bucket === undefined ? {} : { bucket: values.bucket }),
      ...(values['registry-bucket'] === undefined ? {} : { registryBucket: values['registry-bucket'] }),
      waitMs: waitSeconds * 1_000,
      json: values.json,
    });
  },
};
