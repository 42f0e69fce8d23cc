// Every `lucent` subcommand, by name. Add a command with one line here.
import type { Command } from './command.js';
import { generateCommand } from './generate.js';

export const commands: Record<string, Command> = {
  generate: generateCommand,
};
