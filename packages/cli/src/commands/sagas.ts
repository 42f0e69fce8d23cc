// `lucent sagas list|show`: the sagas in an event store, by state and type, and one saga's timeline; reads only.
import { isLucentError, type SagaStatus, type SagaTimelineEntry } from '@lucent/core';
import { SagaCatalog, sagaStatuses, type SagaDetail, type SagaSummary } from '@lucent/runtime';
import { parseCommandArgs, type Command } from './command.js';
import { openEventStore, UsageError, type OpenedStore } from './openEventStore.js';

const usage = `usage: lucent sagas list [--state S] [--type T] [--limit N] (--pg URL | --data-dir DIR) [options]
       lucent sagas show ID (--pg URL | --data-dir DIR) [options]
  list             counts by state, then the newest sagas (default 50) matching --state and --type
  show ID          one saga: its state, failure and timeline (steps, waits, retries, compensations, with times)
  --state S        ${sagaStatuses.join(' | ')}
  --type T         the saga type (the definition's \`type\`)
  --limit N        at most N sagas (1-1000, default 50)
  --runner NAME    the SagaRunner's \`name\` (its streams NAME-<id>, index NAME.index); repeat for several (default saga)
  --pg URL         PostgreSQL holding the event store
  --data-dir DIR   the service's embedded data directory (PGlite in DIR/db) or a PGlite directory
  --schema S       PostgreSQL schema of the event store (default lucent)
  --json           print JSON
exit codes: 0 done, 1 no saga with that id, 2 usage, 4 the data directory is in use by another process`;

const where = `  --runner NAME    the SagaRunner's \`name\` (its streams NAME-<id>, index NAME.index); repeat for several (default saga)
  --pg URL         PostgreSQL holding the event store; --schema S its schema (default lucent)
  --data-dir DIR   the service's embedded data directory (PGlite in DIR/db) or a PGlite directory
  --json           print JSON
exit codes: 0 done, 1 no saga with that id, 2 usage, 4 the data directory is in use by another process`;

/** `lucent sagas <action> --help`. */
const actions = {
  list: `usage: lucent sagas list [--state S] [--type T] [--limit N] (--pg URL | --data-dir DIR) [options]
counts by state, then the newest sagas matching --state and --type; reads only
  --state S        ${sagaStatuses.join(' | ')}
  --type T         the saga type (the definition's \`type\`)
  --limit N        at most N sagas (1-1000, default 50)
${where}`,
  show: `usage: lucent sagas show ID (--pg URL | --data-dir DIR) [options]
one saga: its state, failure and timeline (steps, waits, retries, compensations, with times); reads only
${where}`,
};

const iso = (ms: number): string => new Date(ms).toISOString();

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => `  ${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}`.trimEnd()).join('\n');
}

export function formatSagaList(counts: Record<string, number>, sagas: readonly SagaSummary[]): string {
  const head = Object.entries(counts)
    .map(([state, n]) => `${state} ${n}`)
    .join(', ');
  if (sagas.length === 0) return `${head}\n  (no saga matches)`;
  const rows = sagas.map((s) => [s.id, s.type, s.status, iso(s.updatedAt), s.step ?? s.failure ?? '']);
  return `${head}\n${table([['id', 'type', 'state', 'updated', 'on / failure'], ...rows])}`;
}

const detailOf = (e: SagaTimelineEntry): string => {
  const d = e.detail ?? {};
  const error = d['error'] as { code?: string; message?: string } | undefined;
  const parts = [d['outcome'], error === undefined ? undefined : `${error.code}: ${error.message}`, d['reason']].filter((p) => typeof p === 'string');
  return parts.join('; ');
};

export function formatSaga(saga: SagaDetail): string {
  const lines = [`saga ${saga.id} (${saga.type}, runner ${saga.runner}): ${saga.status}`, `  started ${iso(saga.startedAt)}, updated ${iso(saga.updatedAt)}`];
  if (saga.failure !== undefined) lines.push(`  failure: ${saga.failure}`);
  const rows = saga.timeline.map((e) => [iso(e.at), e.kind, e.name, e.durationMs === null ? '' : `${e.durationMs} ms`, detailOf(e)]);
  lines.push(table([['at', 'kind', 'name', 'took', 'detail'], ...rows]));
  return lines.join('\n');
}

export const sagasCommand: Command = {
  usage,
  actions,
  async run(argv) {
    const parsed = parseCommandArgs('sagas', argv, {
      state: { type: 'string' },
      type: { type: 'string' },
      limit: { type: 'string' },
      runner: { type: 'string', multiple: true },
      pg: { type: 'string' },
      'data-dir': { type: 'string' },
      schema: { type: 'string' },
      json: { type: 'boolean', default: false },
    }, usage);
    if (parsed === undefined) return 2;
    const { values, positionals } = parsed;
    const [action, id, ...extra] = positionals;
    const limit = values.limit === undefined ? undefined : Number(values.limit);
    const problem =
      action !== 'list' && action !== 'show'
        ? 'say list or show'
        : action === 'show' && id === undefined
          ? 'show needs a saga id'
          : (action === 'list' && id !== undefined) || extra.length > 0
            ? `unexpected ${[id, ...extra].filter(Boolean).join(' ')}`
            : values.state !== undefined && !sagaStatuses.includes(values.state as SagaStatus)
              ? `--state must be one of ${sagaStatuses.join(', ')}`
              : limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 1_000)
                ? '--limit must be a whole number from 1 to 1000'
                : undefined;
    if (problem !== undefined) {
      console.error(`lucent sagas: ${problem}\n${usage}`);
      return 2;
    }
    let opened: OpenedStore;
    try {
      opened = await openEventStore(values);
    } catch (error) {
      if (isLucentError(error) && error.code === 'DATA_DIRECTORY_LOCKED') {
        console.error(`lucent sagas: ${error.message}`);
        return 4;
      }
      if (!(error instanceof UsageError)) throw error;
      console.error(`lucent sagas: ${error.message}`);
      return 2;
    }
    try {
      const catalog = new SagaCatalog(opened.store, values.runner ?? ['saga']);
      if (action === 'list') {
        const list = await catalog.list({
          ...(values.state !== undefined && { status: values.state as SagaStatus }),
          ...(values.type !== undefined && { type: values.type }),
          ...(limit !== undefined && { limit }),
        });
        console.log(values.json ? JSON.stringify(list, null, 2) : formatSagaList(list.counts, list.sagas));
        return 0;
      }
      const saga = await catalog.show(id as string);
      if (saga === undefined) {
        console.error(`lucent sagas: no saga ${id} in ${opened.where} (runners: ${(values.runner ?? ['saga']).join(', ')})`);
        return 1;
      }
      console.log(values.json ? JSON.stringify(saga, null, 2) : formatSaga(saga));
      return 0;
    } finally {
      await opened.close();
    }
  },
};
