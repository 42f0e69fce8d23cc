// @lucent/cli: the `lucent` command's building blocks, usable from code too.
// The package's whole public API, by area.

// Generating the typed function registry from a project's functions.
export { fingerprint, generateRegistry, writeOrCheck } from './generate/generateRegistry.js';
export type { RegistryEntry, ManifestEntry, GeneratedRegistry } from './generate/generateRegistry.js';

// The `lucent` commands, runnable from code.
export type { Command, CommandEntry } from './commands/command.js';
export { commands } from './commands/index.js';
