// `lucent generate <service-dir> [--check]`: write (or verify) the typed registry and manifest.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { generateRegistry, writeOrCheck } from '../generate/generateRegistry.js';
import { parseCommandArgs, type Command } from './command.js';

const usage = `usage: lucent generate <service-dir> [--check]
  <service-dir>  the service to scan: its src/domain holds the functions, e.g. examples/crypto-trading
  --check        write nothing; exit 1 when the generated files are out of date (CI)
Writes <service-dir>/src/registry/functionRegistry.ts and function-manifest.json.`;

export const generateCommand: Command = {
  usage,
  async run(argv) {
    const parsed = parseCommandArgs('generate', argv, { check: { type: 'boolean', default: false } }, usage);
    if (parsed === undefined) return 2;
    const { values, positionals } = parsed;
    const serviceDir = positionals[0];
    if (serviceDir === undefined) {
      console.error(`lucent generate: name the service directory, e.g. \`lucent generate examples/crypto-trading\` (\`lucent generate .\` for this one)\n${usage}`);
      return 2;
    }
    const domain = path.join(serviceDir, 'src', 'domain');
    if (!existsSync(domain)) {
      console.error(`lucent generate: ${domain} does not exist; give the directory of a service whose functions live in src/domain\n${usage}`);
      return 2;
    }
    const generated = await generateRegistry(serviceDir);
    const stale = await writeOrCheck(generated, values.check);
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
