// `lucent simulate`: replay the routing simulator's slow-shard scenario and print p50/p99 and load share per policy.
import { comparePolicies, formatSimResults, slowShardScenario } from '@lucent/core';
import { parseCommandArgs, type Command } from './command.js';

function numberOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new RangeError(`--${name} must be a positive number, got "${value}"`);
  return n;
}

const flags = '[--slow 5] [--load 0.5] [--calls 20000] [--seed S] [--json]';

const usage = `usage: lucent simulate ${flags}
  --slow F     how many times slower the slow shard is (default 5)
  --load L     offered load as a fraction of the healthy capacity, below 1 (default 0.5)
  --calls N    calls to simulate (default 20000)
  --seed S     seed of the simulation (same seed, same result)
  --json       print the scenario and results as JSON`;

export const simulateCommand: Command = {
  describe: `simulate routing policies with one slow shard: ${flags}`,
  usage,
  async run(argv) {
    const parsed = parseCommandArgs('simulate', argv, {
      slow: { type: 'string' },
      load: { type: 'string' },
      calls: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean', default: false },
    }, usage);
    if (parsed === undefined) return 2;
    const { values } = parsed;
    let scenario;
    try {
      const load = numberOption(values.load, 'load', 0.5);
      if (load >= 1) throw new RangeError('--load is a fraction of the healthy capacity and must be below 1');
      scenario = slowShardScenario({
        slowFactor: numberOption(values.slow, 'slow', 5),
        load,
        calls: Math.round(numberOption(values.calls, 'calls', 20_000)),
        ...(values.seed === undefined ? {} : { seed: values.seed }),
      });
    } catch (error) {
      console.error(`lucent simulate: ${error instanceof Error ? error.message : String(error)}`);
      return 2;
    }
    const results = comparePolicies(scenario);
    if (values.json) {
      console.log(JSON.stringify({ scenario, results }, null, 2));
      return 0;
    }
    const slow = scenario.shards.at(-1)!;
    console.log(
      `${scenario.shards.length} shards × ${slow.concurrency} slots, ${slow.id} ${values.slow ?? 5}× slower; ` +
        `${Math.round(scenario.callsPerSecond)} calls/s from ${scenario.callers} callers; reports every ` +
        `${scenario.reportIntervalMs} ms, ${scenario.reportDelayMs} ms late; ${scenario.calls} calls, seed "${scenario.seed}"\n`,
    );
    console.log(formatSimResults(results));
    return 0;
  },
};
