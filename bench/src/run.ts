// `npm run bench`: run every registered area (or those matching --filter), repeat, and report table, JSON and RESULTS.md.
import { fork } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { areas } from './cases/index.js';
import { parseArgs, usage } from './harness/args.js';
import { machineNotes } from './harness/machine.js';
import { consoleTable, resultsMarkdown, type AreaOutcome } from './harness/report.js';
import { probeServers, type ServerStatus } from './harness/servers.js';
import { summarize, toJson } from './harness/summarize.js';
import { BenchSkipped, wants, type BenchArea, type BenchOptions, type BenchResult, type ServerKind } from './harness/types.js';

function selected(area: BenchArea, filter: string | undefined): boolean {
  return filter === undefined || area.cases.some((c) => wants({ filter }, c));
}

function commandLine(argv: readonly string[]): string {
  const args = argv.join(' ');
  if (process.env['npm_lifecycle_event'] === 'bench') return `npm run bench${args === '' ? '' : ` -- ${args}`}`;
  return `node bench/dist/run.js${args === '' ? '' : ` ${args}`}`;
}

/** Runs one area in this process; a BenchSkipped becomes a "skipped" outcome, any other error "failed". */
async function runAreaHere(area: BenchArea, options: BenchOptions): Promise<BenchResult[] | AreaOutcome> {
  try {
    const results = await area.run(options);
    return results.filter((r) => wants(options, r.case));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof BenchSkipped) return { area: area.area, status: 'skipped', reason: message };
    return { area: area.area, status: 'failed', reason: message.split('\n')[0] ?? message };
  }
}

const childArea = 'LUCENT_BENCH_AREA';
const childOptions = 'LUCENT_BENCH_OPTIONS';

/**
 * Runs one area in a fresh Node process (this file, forked), the way JMH forks per benchmark: the
 * cases of one area then start from a clean JIT state and heap, whatever ran before them. Both
 * sides of every comparison still alternate inside that one process.
 */
function runAreaInChild(area: BenchArea, options: BenchOptions): Promise<BenchResult[] | AreaOutcome> {
  return new Promise((resolve) => {
    let answer: BenchResult[] | AreaOutcome | undefined;
    const child = fork(fileURLToPath(import.meta.url), [], {
      env: { ...process.env, [childArea]: area.area, [childOptions]: JSON.stringify(options) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.on('message', (m) => {
      answer = m as BenchResult[] | AreaOutcome;
    });
    child.on('exit', (code, signal) => {
      resolve(answer ?? { area: area.area, status: 'failed', reason: `the area's process exited (${signal ?? `code ${code}`}) without results` });
    });
  });
}

/** Runs one area; an unreachable server means "skipped" without starting it. */
function runArea(
  area: BenchArea,
  options: BenchOptions,
  servers: Record<ServerKind, ServerStatus>,
  sameProcess: boolean,
): Promise<BenchResult[] | AreaOutcome> {
  const missing = (area.requires ?? []).filter((k) => !servers[k].reachable);
  if (missing.length > 0) {
    return Promise.resolve({ area: area.area, status: 'skipped', reason: missing.map((k) => servers[k].detail).join('; ') });
  }
  return sameProcess ? runAreaHere(area, options) : runAreaInChild(area, options);
}

/** The child side of runAreaInChild: run the named area, send the outcome, exit. */
async function child(name: string): Promise<void> {
  const options = JSON.parse(process.env[childOptions] ?? '{}') as BenchOptions;
  const area = areas.find((a) => a.area === name);
  const outcome: BenchResult[] | AreaOutcome =
    area === undefined ? { area: name, status: 'failed', reason: 'no such area' } : await runAreaHere(area, options);
  await new Promise<void>((resolve) => process.send?.(outcome, () => resolve()) ?? resolve());
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const args = parseArgs(argv);
  if (args.help) {
    console.log(usage);
    return;
  }
  const urls = {
    postgresUrl: process.env['LUCENT_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    redisUrl: process.env['LUCENT_REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    natsUrl: process.env['LUCENT_NATS_URL'] ?? 'nats://127.0.0.1:4222',
  };
  const options: BenchOptions = {
    ...(args.filter === undefined ? {} : { filter: args.filter }),
    windowMs: args.windowMs,
    rounds: args.rounds,
    ...urls,
  };
  const chosen = areas.filter((a) => selected(a, args.filter));
  if (chosen.length === 0) {
    throw new Error(`no case matches --filter ${args.filter ?? ''}; cases: ${areas.flatMap((a) => a.cases).join(', ')}`);
  }
  const servers = await probeServers(urls);
  const machine = machineNotes(servers);
  const started = performance.now();

  const runs: BenchResult[][] = [];
  const outcomes = new Map<string, AreaOutcome>();
  for (let r = 1; r <= args.repeat; r++) {
    const run: BenchResult[] = [];
    for (const area of chosen) {
      if (outcomes.has(area.area)) continue;
      console.error(`[bench] repeat ${r}/${args.repeat}: ${area.area} …`);
      const result = await runArea(area, options, servers, args.sameProcess);
      if (Array.isArray(result)) run.push(...result);
      else {
        outcomes.set(area.area, result);
        console.error(`[bench] ${result.status}: ${area.area} — ${result.reason}`);
      }
    }
    runs.push(run);
  }

  const summaries = summarize(runs);
  const failed = [...outcomes.values()];
  console.log(consoleTable(summaries, failed));
  if (args.json !== undefined) {
    await writeFile(args.json, `${JSON.stringify(toJson(summaries), null, 2)}\n`);
    console.error(`[bench] JSON written to ${args.json}`);
  }
  if (args.writeResults) {
    const path = fileURLToPath(new URL('../RESULTS.md', import.meta.url));
    await writeFile(
      path,
      resultsMarkdown({
        machine,
        command: commandLine(argv),
        windowMs: args.windowMs,
        rounds: args.rounds,
        repeat: args.repeat,
        elapsedS: (performance.now() - started) / 1000,
        summaries,
        outcomes: failed,
      }),
    );
    console.error(`[bench] ${path} written`);
  }
  if (failed.some((o) => o.status === 'failed')) process.exitCode = 1;
}

const area = process.env[childArea];
(area === undefined ? main() : child(area)).then(
  // Peers (Moleculer, Nest, pools) may leave handles open after their areas closed; the run is over.
  () => process.exit(),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
