// The shape of one `lucent` subcommand.
export interface Command {
  readonly describe: string;
  /** Returns the process exit code. */
  run(argv: string[]): Promise<number>;
}
