// Every `lucent` subcommand, by name. Add a command with one line here.
import type { Command } from './command.js';
import { generateCommand } from './generate.js';
import { publishCommand } from './publish.js';
import { keygenCommand } from './keygen.js';
import { registryCommand } from './registry.js';
import { simulateCommand } from './simulate.js';
import { shardCommand } from './shard.js';
import { clusterCommand } from './cluster.js';
import { replayCommand } from './replay.js';
import { chaosCommand } from './chaos.js';
import { limitsCommand } from './limits.js';
import { sagasCommand } from './sagas.js';
import { tokenCommand } from './token.js';
import { consoleCommand } from './console.js';

export const commands: Record<string, Command> = {
  generate: generateCommand,
  publish: publishCommand,
  keygen: keygenCommand,
  registry: registryCommand,
  simulate: simulateCommand,
  shard: shardCommand,
  cluster: clusterCommand,
  replay: replayCommand,
  chaos: chaosCommand,
  limits: limitsCommand,
  sagas: sagasCommand,
  token: tokenCommand,
  console: consoleCommand,
};
