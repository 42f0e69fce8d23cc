#!/usr/bin/env node
// The `lucent` command line: dispatches `lucent <command> …` to the command modules.
import { commands } from './commands/index.js';

function usage(): string {
  const rows = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(12)} ${c.describe}`);
  return ['usage: lucent <command> [options]', '', 'commands:', ...rows, '', '`lucent <command> --help` shows a command\'s options.'].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    console.error(`lucent: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  // Every command answers --help the same way, before its own parsing: usage on stdout, exit 0.
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage ?? `usage: lucent ${name} …\n${command.describe}`);
    return 0;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`lucent: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
