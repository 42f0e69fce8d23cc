// `lucent keygen [--out DIR] [--name NAME]`: create the ed25519 key pair that signs published bundles.
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateSigningKeyPair } from '@lucent/runtime';
import type { Command } from './command.js';

export const keygenCommand: Command = {
  describe: 'create an ed25519 signing key pair for `lucent publish` (private key 0600, public key for the nodes)',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { out: { type: 'string', default: '.' }, name: { type: 'string', default: 'lucent-signing' } },
    });
    const dir = path.resolve(values.out ?? '.');
    await mkdir(dir, { recursive: true });
    const pair = generateSigningKeyPair();
    const privateFile = path.join(dir, `${values.name}.key`);
    const publicFile = path.join(dir, `${values.name}.pub`);
    // 'wx': never overwrite an existing key; losing one would strand every bundle it signed.
    await writeFile(privateFile, pair.privateKeyPem, { mode: 0o600, flag: 'wx' });
    await writeFile(publicFile, pair.publicKeyPem, { flag: 'wx' });
    console.log(`lucent keygen: private key ${privateFile} (keep it secret)\nlucent keygen: public key  ${publicFile} (configure nodes with it)`);
    return 0;
  },
};
