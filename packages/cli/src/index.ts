// @lucent/cli: the `lucent` command's building blocks, usable from code too.
export * from './generate/generateRegistry.js';
export type { Command } from './commands/command.js';
export { commands } from './commands/index.js';
