// `lucent generate <service-dir> [--check]`: write (or verify) the typed registry and manifest.
import { parseArgs } from 'node:util';
import { generateRegistry, writeOrCheck } from '../generate/generateRegistry.js';
import type { Command } from './command.js';

export const generateCommand: Command = {
  describe: 'scan src/domain for functions; write src/registry/function-registry.ts and function-manifest.json',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { check: { type: 'boolean', default: false } },
    });
    const serviceDir = positionals[0] ?? '.';
    const generated = await generateRegistry(serviceDir);
    const stale = await writeOrCheck(generated, values.check ?? false);
    if (values.check && stale.length > 0) {
      console.error(
        `lucent generate: ${stale.join(', ')} ${stale.length === 1 ? 'is' : 'are'} out of date; run \`lucent generate ${serviceDir}\``,
      );
      return 1;
    }
    const verb = values.check ? 'up to date' : 'written';
    console.log(`lucent generate: ${generated.entries.length} functions, registry ${verb}`);
    return 0;
  },
};
