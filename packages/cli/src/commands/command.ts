// The shape of one `lucent` subcommand, and the flag parsing they share.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A command as `lucent --help` lists it; its module (and everything that imports) loads only when it is used. */
export interface CommandEntry {
  /** One line for `lucent --help`. */
  readonly describe: string;
  load(): Promise<Command>;
}

export interface Command {
  /** What `lucent <command> --help` prints: synopsis, options, exit codes. */
  readonly usage?: string;
  /** A command with actions (`lucent registry rollback`): what `lucent <command> <action> --help` prints, by action. */
  readonly actions?: Readonly<Record<string, string>>;
  /** Returns the process exit code. */
  run(argv: string[]): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;
export type ParsedCommandArgs<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: O }>>;

/**
 * Parse a subcommand's flags and positionals; on a bad flag print why and the usage, and return
 * undefined so the command can exit with 2.
 */
export function parseCommandArgs<const O extends Options>(
  command: string,
  argv: string[],
  options: O,
  usage: string,
): ParsedCommandArgs<O> | undefined {
  try {
    return parseArgs({ args: argv, allowPositionals: true, options });
  } catch (error) {
    console.error(`lucent ${command}: ${error instanceof Error ? error.message : String(error)}\n${usage}`);
    return undefined;
  }
}
