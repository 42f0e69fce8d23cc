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
  const entry = commands[name];
  if (!entry) {
    console.error(`lucent: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const command = await entry.load();
  // Every command answers --help the same way, before its own parsing: usage on stdout, exit 0;
  // after an action's name, that action's usage.
  if (rest.includes('--help') || rest.includes('-h')) {
    const action = rest[0] !== undefined && command.actions !== undefined && Object.hasOwn(command.actions, rest[0]) ? command.actions[rest[0]] : undefined;
    console.log(action ?? command.usage ?? `usage: lucent ${name} …\n${entry.describe}`);
    return 0;
  }
  return command.run(rest);
}

/** What went wrong and what to do about it, for the failures every command can meet. */
function explain(error: unknown, argv: readonly string[]): string {
  const e = error as NodeJS.ErrnoException & { code?: string };
  const where = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (e?.code === 'CONNECTION_REFUSED' || e?.code === 'ECONNREFUSED') {
    const nats = where('--nats');
    return `cannot reach NATS${nats ? ` at ${nats}` : ''}: is nats-server (with JetStream, -js) running there? Pass its URL with --nats URL`;
  }
  if (e?.code === 'ENOENT' && e.path !== undefined) return `${e.path} does not exist; check the path`;
  if (e?.code === 'EACCES' && e.path !== undefined) return `${e.path} cannot be read or written by this user; check its permissions`;
  return error instanceof Error ? error.message : String(error);
}

const argv = process.argv.slice(2);
main(argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`lucent${argv[0] && argv[0] in commands ? ` ${argv[0]}` : ''}: ${explain(error, argv)}`);
    process.exitCode = 1;
  },
);
