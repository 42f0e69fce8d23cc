// `lucent replay <stream>… --module M (--pg URL | --data-dir DIR)`: run a stream's recorded decisions again and compare the events.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { isFunctionDefinition, isLucentError, type AnyFunctionDefinition, type Decider, type DomainEvent, type FunctionMap } from '@lucent/core';
import { FunctionManager, replayStream, type BatchReplay, type ReplayInvoker, type StreamReplay } from '@lucent/runtime';
import { parseCommandArgs, type Command } from './command.js';
import { openEventStore, UsageError, type OpenedStore } from './openEventStore.js';

const usage = `usage: lucent replay <stream>... --module <file> (--pg URL | --data-dir DIR) [options]
  --module FILE    a module (.ts or .js) exporting { functions, decider } under --export (default \`replay\`):
                   functions: a function map, an array of definitions or an Invoker (a FunctionManager) holding
                   every version to replay; decider: { initialState, evolve } of the streams
  --pg URL         PostgreSQL holding the event store
  --data-dir DIR   the service's embedded data directory (PGlite in DIR/db) or a PGlite directory
  --schema S       PostgreSQL schema of the event store (default lucent)
  --version V      replay every recorded decision with version V instead of the recorded one
  --export NAME    the module's export to use (default replay)
  --json           print the reports as JSON
exit codes: 0 every recorded batch replays the same, 1 a batch diverged, 2 usage, 3 a stream has no events,
            4 the data directory is in use by another process (its lock names it)`;

type AnyDecider = Pick<Decider<unknown, DomainEvent, unknown>, 'initialState' | 'evolve'>;

interface ReplayTarget {
  readonly functions: ReplayInvoker;
  readonly decider: AnyDecider;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Any Invoker (a FunctionManager, which can also `run` past live rules), duck-typed: the module may load its own copy of @lucent/runtime. */
function isInvoker(v: unknown): v is ReplayInvoker {
  return isObject(v) && typeof v['lookup'] === 'function' && typeof v['invoke'] === 'function';
}

function invokerOf(functions: unknown, where: string): ReplayInvoker {
  if (isInvoker(functions)) return functions;
  const defs: AnyFunctionDefinition[] = Array.isArray(functions)
    ? functions.filter(isFunctionDefinition)
    : isObject(functions)
      ? Object.values(functions as FunctionMap).filter(isFunctionDefinition)
      : [];
  if (defs.length === 0) throw new UsageError(`${where}: \`functions\` holds no function definitions`);
  // A short default budget would fail a slow replay on this machine though it succeeded live.
  return new FunctionManager({ defaultTimeoutMs: 60_000 }).register(...defs);
}

async function loadTarget(file: string, exportName: string): Promise<ReplayTarget> {
  const full = path.resolve(file);
  if (!existsSync(full)) throw new UsageError(`no module at ${full}`);
  const url = pathToFileURL(full).href;
  // tsx for TypeScript sources, as `lucent generate` does; plain import for built JavaScript.
  const mod = (/\.[cm]?tsx?$/.test(full) ? await tsImport(url, import.meta.url) : await import(url)) as Record<string, unknown>;
  const named = mod[exportName];
  // Without the named export, fall back to top-level `functions`/`functionRegistry` and `decider` exports.
  const source: Record<string, unknown> | undefined = isObject(named)
    ? named
    : mod['decider'] !== undefined
      ? { functions: mod['functions'] ?? mod['functionRegistry'], decider: mod['decider'] }
      : undefined;
  if (source === undefined) throw new UsageError(`${file} exports no \`${exportName}\` ({ functions, decider })`);
  const decider = source['decider'];
  if (!isObject(decider) || typeof decider['initialState'] !== 'function' || typeof decider['evolve'] !== 'function') {
    throw new UsageError(`${file}: \`${exportName}.decider\` needs initialState() and evolve()`);
  }
  return { functions: invokerOf(source['functions'], file), decider: decider as unknown as AnyDecider };
}

function show(value: unknown): string {
  const text = value === undefined ? '(none)' : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function detail(b: BatchReplay): string {
  if (b.error !== undefined) return `${b.error.code}: ${b.error.message}`;
  if (b.difference !== undefined) {
    return `${b.difference.path || '(events)'}: stored ${show(b.difference.stored)}, replayed ${show(b.difference.replayed)}`;
  }
  return '';
}

/** One stream's report as a table: a row per batch, the first difference of a diverged one. */
export function formatReplay(report: StreamReplay): string {
  const head = `stream ${report.stream}: ${report.events} events in ${report.batches.length} batches, ${report.same} same, ${report.diverged} diverged, ${report.notRecorded} not recorded`;
  const rows = report.batches.map((b) => [
    b.fromVersion === b.toVersion ? String(b.fromVersion) : `${b.fromVersion}-${b.toVersion}`,
    b.function === undefined ? '-' : `${b.function}@${b.recordedVersion}`,
    b.replayedVersion === undefined || b.replayedVersion === b.recordedVersion ? '' : b.replayedVersion,
    b.status,
    detail(b),
  ]);
  const table = [['versions', 'function@version', 'replayed as', 'status', 'first difference'], ...rows];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const lines = table.map((r) => `  ${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}`.trimEnd());
  return [head, ...lines].join('\n');
}

export const replayCommand: Command = {
  usage,
  async run(argv) {
    const parsed = parseCommandArgs('replay', argv, {
      module: { type: 'string' },
      pg: { type: 'string' },
      'data-dir': { type: 'string' },
      schema: { type: 'string' },
      version: { type: 'string' },
      export: { type: 'string' },
      json: { type: 'boolean', default: false },
    }, usage);
    if (parsed === undefined) return 2;
    const { values, positionals: streams } = parsed;
    if (streams.length === 0 || values.module === undefined) {
      console.error(usage);
      return 2;
    }
    let target: ReplayTarget;
    let opened: OpenedStore;
    try {
      target = await loadTarget(values.module, values.export ?? 'replay');
      opened = await openEventStore(values);
    } catch (error) {
      if (isLucentError(error) && error.code === 'DATA_DIRECTORY_LOCKED') {
        console.error(`lucent replay: ${error.message}`);
        return 4;
      }
      if (!(error instanceof UsageError)) throw error;
      console.error(`lucent replay: ${error.message}`);
      return 2;
    }
    const reports: StreamReplay[] = [];
    try {
      for (const stream of streams) {
        reports.push(
          await replayStream(opened.store, target.functions, target.decider, stream, values.version === undefined ? {} : { version: values.version }),
        );
      }
    } finally {
      await opened.close();
    }
    if (values.json) console.log(JSON.stringify(streams.length === 1 ? reports[0] : reports, null, 2));
    else console.log(reports.map(formatReplay).join('\n\n'));
    const empty = reports.filter((r) => r.events === 0).map((r) => r.stream);
    if (reports.some((r) => r.diverged > 0)) return 1;
    if (empty.length > 0) {
      console.error(`lucent replay: no events in ${empty.join(', ')} (${opened.where})`);
      return 3;
    }
    return 0;
  },
};
