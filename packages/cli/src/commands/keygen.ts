// `lucent keygen --out DIR [--name NAME]`: create the ed25519 key pair that signs published bundles.
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { generateSigningKeyPair } from '@lucent/runtime';
import { parseCommandArgs, type Command } from './command.js';

const usage = `usage: lucent keygen --out DIR [--name NAME]
  --out DIR      where to write the pair (created when missing); required, so a private key never lands somewhere unnoticed
  --name NAME    file names NAME.key (private, mode 0600) and NAME.pub (default lucent-signing)
An existing key file is never overwritten.`;

export const keygenCommand: Command = {
  usage,
  async run(argv) {
    const parsed = parseCommandArgs('keygen', argv, { out: { type: 'string' }, name: { type: 'string', default: 'lucent-signing' } }, usage);
    if (parsed === undefined) return 2;
    const { values } = parsed;
    if (values.out === undefined) {
      console.error(`lucent keygen: say where to write the key pair, e.g. \`lucent keygen --out ./keys\`\n${usage}`);
      return 2;
    }
    const dir = path.resolve(values.out);
    await mkdir(dir, { recursive: true });
    const pair = generateSigningKeyPair();
    const privateFile = path.join(dir, `${values.name}.key`);
    const publicFile = path.join(dir, `${values.name}.pub`);
    try {
      // 'wx': never overwrite an existing key; losing one would strand every bundle it signed.
      await writeFile(privateFile, pair.privateKeyPem, { mode: 0o600, flag: 'wx' });
      await writeFile(publicFile, pair.publicKeyPem, { flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      console.error(`lucent keygen: ${(error as NodeJS.ErrnoException).path ?? privateFile} exists and is never overwritten; pick another --out or --name`);
      return 1;
    }
    console.log(`lucent keygen: private key ${privateFile} (keep it secret)\nlucent keygen: public key  ${publicFile} (configure nodes with it)`);
    return 0;
  },
};
