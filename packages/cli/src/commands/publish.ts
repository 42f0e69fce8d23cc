// `lucent publish <module.ts> --key FILE [--nats URL | --data-dir DIR]`: bundle, sign and store a function module.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { privateSigningKey } from '@lucent/runtime';
import type { Command } from './command.js';

const usage = 'usage: lucent publish <module.ts> --key <ed25519 private key file> (--nats URL | --data-dir DIR) [--bucket NAME] [--json]';

export const publishCommand: Command = {
  describe: 'bundle a function module (esbuild), sign it (ed25519) and store it for running nodes to load',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        key: { type: 'string' },
        nats: { type: 'string' },
        'data-dir': { type: 'string' },
        bucket: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    const modulePath = positionals[0];
    const keyFile = values.key ?? process.env['LUCENT_SIGNING_KEY_FILE'];
    if (!modulePath || !keyFile || (values.nats === undefined && values['data-dir'] === undefined)) {
      console.error(usage);
      return 2;
    }
    // Loaded on demand: esbuild and the store clients are not worth loading for every `lucent` command.
    const { buildSignedBundle } = await import('../publish/bundleFunctionModule.js');
    const { openBundleStore } = await import('../publish/openBundleStore.js');
    const key = privateSigningKey(await readFile(keyFile, 'utf8'));
    const built = await buildSignedBundle(modulePath, key, Date.now());
    const target = await openBundleStore({
      ...(values.nats === undefined ? {} : { nats: values.nats }),
      ...(values['data-dir'] === undefined ? {} : { dataDir: values['data-dir'] }),
      ...(values.bucket === undefined ? {} : { bucket: values.bucket }),
    });
    try {
      await target.store.put(built.bundle);
    } finally {
      await target.close();
    }
    if (values.json) {
      console.log(JSON.stringify({ id: built.manifest.id, manifest: built.manifest, signature: built.bundle.signature }));
    } else {
      const fns = built.manifest.functions.map((f) => `  ${f.name}@${f.version}`).join('\n');
      console.log(
        `lucent publish: bundle ${built.manifest.id} (${built.manifest.bundle.bytes} bytes, ${built.manifest.bundle.sha256}) signed and stored in ${target.where}\n${fns}\n` +
          'New versions are registered inactive; move traffic with `lucent registry activate|weights`.',
      );
    }
    return 0;
  },
};
