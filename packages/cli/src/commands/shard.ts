// `lucent shard --config file.json`: run one shard process on NATS, hosting the functions of the config's module.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { isFunctionDefinition, type FunctionMap } from '@lucent/core';
import { createLogger } from '@lucent/runtime';
import { parseShardConfig, startNatsShard, type ShardConfig } from '@lucent/nats';
import type { Command } from './command.js';

/** The module's function map: its `functions` export, else `functionRegistry`, else its default export. */
async function loadFunctions(modulePath: string): Promise<FunctionMap> {
  const mod = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
  const map = mod['functions'] ?? mod['functionRegistry'] ?? mod['default'];
  if (typeof map !== 'object' || map === null || !Object.values(map).some(isFunctionDefinition)) {
    throw new Error(`${modulePath} exports no function map (expected \`functions\` or \`functionRegistry\`)`);
  }
  return map as FunctionMap;
}

export const shardCommand: Command = {
  describe: 'run one shard on NATS: --config file.json [--id ID] [--tags a,b] [--nats URL] [--prefix P]',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        id: { type: 'string' },
        tags: { type: 'string' },
        nats: { type: 'string' },
        prefix: { type: 'string' },
        quiet: { type: 'boolean', default: false },
      },
    });
    if (values.config === undefined) {
      console.error('lucent shard: --config file.json is required');
      return 2;
    }
    const configPath = resolve(values.config);
    const overrides: Partial<ShardConfig> = {
      ...(values.id === undefined ? {} : { id: values.id }),
      ...(values.tags === undefined ? {} : { tags: values.tags.split(',').filter(Boolean) }),
      ...(values.nats === undefined ? {} : { nats: values.nats }),
      ...(values.prefix === undefined ? {} : { subjectPrefix: values.prefix }),
    };
    const config = parseShardConfig(JSON.parse(await readFile(configPath, 'utf8')) as unknown, overrides);
    if (config.module === undefined) {
      console.error(`lucent shard: ${values.config} names no "module" exporting the functions to host`);
      return 2;
    }
    const baseDir = dirname(configPath);
    const functions = await loadFunctions(resolve(baseDir, config.module));
    const logger = createLogger({ enabled: !values.quiet });
    const running = await startNatsShard({ config, functions, baseDir, logger });
    const hosted = Object.keys(running.shard.report().functions).length;
    console.log(`lucent shard ${config.id}: ${hosted} functions, tags [${config.tags.join(', ')}], ${config.nats}, subjects ${config.subjectPrefix}.shard.${config.id}.*`);
    await new Promise<void>((done) => {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => done());
    });
    await running.stop();
    return 0;
  },
};
