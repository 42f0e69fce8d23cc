// Command-line flags of `npm run bench`, with defaults that keep one area under a minute.
import { isAbsolute, resolve } from 'node:path';

export interface RunArgs {
  readonly json?: string;
  readonly filter?: string;
  readonly windowMs: number;
  readonly rounds: number;
  readonly repeat: number;
  readonly writeResults: boolean;
  /** Run every area in this one process instead of a fresh child process per area. */
  readonly sameProcess: boolean;
  readonly help: boolean;
}

export const usage = `usage: npm run bench -- [options]
  --json FILE       also write the results as JSON (array of {case, metric, higherIsBetter, lucent, baselines})
  --filter PREFIX   run only cases whose name starts with PREFIX (invoke, append, query, projection, ...)
  --window MS       length of one measured window per side (default 1000)
  --rounds N        measured windows per side, alternating between sides (default 3)
  --repeat N        repeat the whole run N times; medians and spread are reported (default 2)
  --no-results      do not rewrite bench/RESULTS.md
  --same-process    run all areas in this process (default: a fresh child process per area, so one
                    area's JIT state, heap and open handles do not colour the next)
servers: LUCENT_PG_URL (admin URL; a throw-away database is created), LUCENT_REDIS_URL, LUCENT_NATS_URL`;

function positiveInt(flag: string, raw: string | undefined): number {
  const n = Number(raw);
  if (raw === undefined || !Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a positive integer, got ${raw ?? 'nothing'}`);
  return n;
}

/** npm runs scripts from the package root; a relative --json path means the caller's directory. */
function fromCaller(path: string): string {
  return isAbsolute(path) ? path : resolve(process.env['INIT_CWD'] ?? process.cwd(), path);
}

export function parseArgs(argv: readonly string[]): RunArgs {
  let json: string | undefined;
  let filter: string | undefined;
  let windowMs = 1_000;
  let rounds = 3;
  let repeat = 2;
  let writeResults = true;
  let sameProcess = false;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = (argv[i] as string).split(/=(.*)/s, 2) as [string, string | undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--json': {
        const v = value();
        if (v === undefined) throw new Error('--json needs a file name');
        json = fromCaller(v);
        break;
      }
      case '--filter':
        filter = value();
        if (filter === undefined) throw new Error('--filter needs a case-name prefix');
        break;
      case '--window':
        windowMs = positiveInt('--window', value());
        break;
      case '--rounds':
        rounds = positiveInt('--rounds', value());
        break;
      case '--repeat':
        repeat = positiveInt('--repeat', value());
        break;
      case '--no-results':
        writeResults = false;
        break;
      case '--same-process':
        sameProcess = true;
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        throw new Error(`unknown option ${flag}\n${usage}`);
    }
  }
  return { ...(json === undefined ? {} : { json }), ...(filter === undefined ? {} : { filter }), windowMs, rounds, repeat, writeResults, sameProcess, help };
}
