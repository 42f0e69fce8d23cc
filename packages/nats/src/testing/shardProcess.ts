// Test fixture run as a child process: one shard on NATS hosting the reliability functions; config JSON in LUCENT_SHARD_CONFIG.
import { parseShardConfig } from '../shard/shardConfig.js';
import { startNatsShard } from '../shard/startNatsShard.js';
import { functions } from './reliabilityFunctions.js';

const config = parseShardConfig(JSON.parse(process.env['LUCENT_SHARD_CONFIG'] ?? '{}'));
const running = await startNatsShard({ config, functions });
// The parent waits for this line before it sends load.
process.stdout.write(`ready ${config.id}\n`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void running.stop(1_000).finally(() => process.exit(0));
  });
}
