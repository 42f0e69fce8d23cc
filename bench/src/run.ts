// `npm run bench`: run every registered area (or those matching --filter), repeat, and report table, JSON and RESULTS.md.
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

/** Runs one area; an unreachable server or a BenchSkipped becomes a "skipped" outcome, any other error "failed". */
async function runArea(
  area: BenchArea,
  options: BenchOptions,
  servers: Record<ServerKind, ServerStatus>,
): Promise<BenchResult[] | AreaOutcome> {
  const missing = (area.requires ?? []).filter((k) => !servers[k].reachable);
  if (missing.length > 0) {
    return { area: area.area, status: 'skipped', reason: missing.map((k) => servers[k].detail).join('; ') };
  }
  try {
    const results = await area.run(options);
    return results.filter((r) => wants(options, r.case));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof BenchSkipped) return { area: area.area, status: 'skipped', reason: message };
    return { area: area.area, status: 'failed', reason: message.split('\n')[0] ?? message };
  }
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
      const result = await runArea(area, options, servers);
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

main().then(
  // Peers (Moleculer, Nest, pools) may leave handles open after their areas closed; the run is over.
  () => process.exit(),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
