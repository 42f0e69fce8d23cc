// `lucent simulate`: replay the routing simulator (one slow shard, or 100 shards and 10,000 callers) and print each policy's figures.
import {
  comparePolicies,
  floorBound,
  floorRatios,
  formatFloorRatios,
  formatSimResults,
  scaleScenario,
  slowShardScenario,
  type SimScenario,
} from '@lucent/core/simulator';
import { parseCommandArgs, type Command } from './command.js';

function numberOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new RangeError(`--${name} must be a positive number, got "${value}"`);
  return n;
}

function integerOption(value: string | undefined, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new RangeError(`--${name} must be an integer of at least ${min}, got "${value}"`);
  return n;
}

function slotsOption(value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  const slots = value.split(',').map((s) => Number(s.trim()));
  if (slots.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new RangeError(`--slots is a comma-separated list of positive integers such as 4,8, got "${value}"`);
  }
  return slots;
}

const scenarios = ['slow-shard', 'scale'] as const;
type ScenarioName = (typeof scenarios)[number];

const flags = '[--scenario slow-shard|scale] [--slow 5] [--shards 100] [--callers 10000] [--slots 4,8] [--load L] [--calls N] [--seed S] [--json]';

const usage = `usage: lucent simulate ${flags}
  --scenario NAME  slow-shard (default): 4 shards × 2 slots, one slower, 8 callers;
                   scale: 100 shards of 4 and 8 slots (1 in 20 3× slower, 1 in 50 10× slower), 10,000 callers,
                   each policy compared with the perfect-knowledge floor (sed-fresh)
  --slow F         slow-shard: how many times slower the slow shard is (default 5)
  --shards N       scale: shards in the cluster (default 100)
  --callers N      scale: independent callers, each with its own in-flight counts (default 10000)
  --slots A,B      scale: slots per shard, given to the shards in turn (default 4,8)
  --load L         offered load as a fraction of capacity, below 1 (default 0.5 slow-shard, 0.3 scale)
  --calls N        calls to simulate (default 20000 slow-shard, 200000 scale)
  --seed S         seed of the simulation (same seed, same result)
  --json           print the scenario and results as JSON
exit codes: 0 done (scale: also when Lucent's policy is past ${floorBound}× of the floor; the table says so), 2 bad flags`;

function scenarioName(value: string | undefined): ScenarioName {
  if (value === undefined) return 'slow-shard';
  if ((scenarios as readonly string[]).includes(value)) return value as ScenarioName;
  throw new RangeError(`--scenario must be one of ${scenarios.join(', ')}, got "${value}"`);
}

interface Values {
  readonly scenario?: string;
  readonly slow?: string;
  readonly shards?: string;
  readonly callers?: string;
  readonly slots?: string;
  readonly load?: string;
  readonly calls?: string;
  readonly seed?: string;
}

/** The scenario the flags ask for; a flag that belongs to the other scenario is an error, not silently ignored. */
function scenarioOf(name: ScenarioName, values: Values): SimScenario {
  const load = numberOption(values.load, 'load', name === 'scale' ? 0.3 : 0.5);
  if (load >= 1) throw new RangeError('--load is a fraction of the capacity and must be below 1');
  const seed = values.seed === undefined ? {} : { seed: values.seed };
  if (name === 'slow-shard') {
    for (const flag of ['shards', 'callers', 'slots'] as const) {
      if (values[flag] !== undefined) throw new RangeError(`--${flag} applies to --scenario scale only`);
    }
    return slowShardScenario({
      slowFactor: numberOption(values.slow, 'slow', 5),
      load,
      calls: Math.round(numberOption(values.calls, 'calls', 20_000)),
      ...seed,
    });
  }
  if (values.slow !== undefined) throw new RangeError('--slow applies to --scenario slow-shard only (scale has its own mix of slow shards)');
  const slots = slotsOption(values.slots);
  return scaleScenario({
    shards: integerOption(values.shards, 'shards', 100, 2),
    callers: integerOption(values.callers, 'callers', 10_000, 1),
    calls: integerOption(values.calls, 'calls', 200_000, 1_000),
    load,
    ...(slots === undefined ? {} : { slots }),
    ...seed,
  });
}

function describeScale(s: SimScenario): string {
  const slots = [...new Set(s.shards.map((x) => x.concurrency))].sort((a, b) => a - b).join('/');
  return (
    `${s.shards.length} shards of ${slots} slots, ${s.callers} callers; ${Math.round(s.callsPerSecond)} calls/s; ` +
    `reports every ${s.reportIntervalMs} ms, ${s.reportDelayMs} ms late; ${s.calls} calls, seed "${s.seed}"\n`
  );
}

export const simulateCommand: Command = {
  usage,
  async run(argv) {
    const parsed = parseCommandArgs('simulate', argv, {
      scenario: { type: 'string' },
      slow: { type: 'string' },
      shards: { type: 'string' },
      callers: { type: 'string' },
      slots: { type: 'string' },
      load: { type: 'string' },
      calls: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean', default: false },
    }, usage);
    if (parsed === undefined) return 2;
    const { values } = parsed;
    let name: ScenarioName;
    let scenario: SimScenario;
    try {
      name = scenarioName(values.scenario);
      scenario = scenarioOf(name, values);
    } catch (error) {
      console.error(`lucent simulate: ${error instanceof Error ? error.message : String(error)}`);
      return 2;
    }
    const results = comparePolicies(scenario);
    if (name === 'scale') {
      const ratios = floorRatios(scenario, results);
      if (values.json) {
        console.log(JSON.stringify({ scenario, bound: floorBound, ratios, results }, null, 2));
        return 0;
      }
      console.log(describeScale(scenario));
      console.log(formatFloorRatios(ratios));
      const lucent = ratios.find((r) => r.policy === 'lucent-p2c')!;
      console.log(
        `\nlucent-p2c is ${lucent.meanRatio.toFixed(2)}× the floor's mean and ${lucent.p99Ratio.toFixed(2)}× its p99: ` +
          `${lucent.withinBound ? 'within' : 'past'} ${floorBound}×`,
      );
      return 0;
    }
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
