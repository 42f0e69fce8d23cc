// `lucent limits set|unset|clear|show`: the cluster's rate limits in NATS KV, which every gateway applies at once (no restart).
import { readFile } from 'node:fs/promises';
import { isLucentError } from '@lucent/core';
import { parseRateLimitSpec, parseRateLimits, type RateLimit, type RateLimitsDocument } from '@lucent/runtime';
import { connectNats, KvRateLimits, limitsBucketFor } from '@lucent/nats';
import { parseCommandArgs, type Command } from './command.js';

const usage = `usage: lucent limits <set|unset|clear|show> [limits] [--nats URL] [--prefix P] [--bucket B] [--json]
  set [--per-user NAME=POINTS/SECONDS[,...]] [--per-function NAME=POINTS/SECONDS[,...]]
                       add or change limits (merged over the stored ones); NAME may be *
  set --file doc.json  replace the whole document: { perUser, perFunction }, each { name: { points, perSeconds } }
  unset [--per-user NAME[,...]] [--per-function NAME[,...]]
                       remove those limits
  clear                no limits anywhere (stores an empty document)
  show                 the stored document
Once a document is stored it replaces the limits each service was started with (LUCENT_RATE_LIMIT_PER_USER,
LUCENT_RATE_LIMIT_PER_FUNCTION); until then those are in force.
--prefix P: the cluster's subject prefix (default lucent; document in bucket P-limits, key rate-limits).
exit codes: 0 done, 2 usage or a bad document, 1 other (NATS unreachable)`;

const where = `--nats URL (default nats://127.0.0.1:4222), --prefix P: the cluster's subject prefix (default lucent; bucket P-limits),
--bucket B: the limits bucket by name, --json: print the stored document
exit codes: 0 done, 2 usage or a bad document, 1 other (NATS unreachable)`;

/** `lucent limits <action> --help`. */
const actions = {
  set: `usage: lucent limits set [--per-user NAME=POINTS/SECONDS[,...]] [--per-function NAME=POINTS/SECONDS[,...]] [--nats URL] [--prefix P] [--bucket B] [--json]
       lucent limits set --file doc.json [--nats URL] [--prefix P] [--bucket B] [--json]
add or change limits (merged over the stored ones; NAME may be *), or replace the whole document
  --per-user NAME=P/S    each user may spend P points every S seconds on NAME, e.g. *=20/1
  --per-function NAME=P/S  all callers together
  --file doc.json        { perUser, perFunction }, each { name: { points, perSeconds } }
Every gateway applies the stored document at once; it replaces the limits they were started with.
${where}`,
  unset: `usage: lucent limits unset [--per-user NAME[,...]] [--per-function NAME[,...]] [--nats URL] [--prefix P] [--bucket B] [--json]
remove those limits from the stored document
${where}`,
  clear: `usage: lucent limits clear [--nats URL] [--prefix P] [--bucket B] [--json]
no limits anywhere (stores an empty document, which also overrides the limits the gateways were started with)
${where}`,
  show: `usage: lucent limits show [--nats URL] [--prefix P] [--bucket B] [--json]
the stored document
${where}`,
};

class UsageError extends Error {}

/** A refused document's fields, each with what to fix. */
const issuesOf = (error: unknown): string =>
  ((error as { issues?: readonly { path: string; message: string }[] }).issues ?? []).map((i) => `${i.path} ${i.message}`).join('; ');

type Table = 'perUser' | 'perFunction';

/** `doc` with `changes` applied to one table: a limit sets that name, undefined removes it; an emptied table goes. */
export function withRateLimits(doc: RateLimitsDocument, table: Table, changes: Readonly<Record<string, RateLimit | undefined>>): RateLimitsDocument {
  const next: Record<string, RateLimit> = { ...(doc[table] ?? {}) };
  for (const [name, limit] of Object.entries(changes)) {
    if (limit === undefined) delete next[name];
    else next[name] = limit;
  }
  const { [table]: _old, ...rest } = doc;
  return Object.keys(next).length === 0 ? rest : { ...rest, [table]: next };
}

function names(value: string, flag: string): string[] {
  const list = value.split(',').map((n) => n.trim()).filter((n) => n !== '');
  if (list.length === 0) throw new UsageError(`${flag} needs at least one function name (or *)`);
  return list;
}

function format(doc: RateLimitsDocument): string {
  const lines = (['perUser', 'perFunction'] as const).flatMap((table) =>
    Object.entries(doc[table] ?? {}).map(([name, l]) => `  ${table === 'perUser' ? 'per user    ' : 'per function'}  ${name}  ${l.points} per ${l.perSeconds} s`),
  );
  return lines.length === 0 ? 'no limits (an empty document is stored)' : `limits in force:\n${lines.join('\n')}`;
}

export const limitsCommand: Command = {
  usage,
  actions,
  async run(argv) {
    const parsed = parseCommandArgs(
      'limits',
      argv,
      {
        nats: { type: 'string' },
        prefix: { type: 'string', default: 'lucent' },
        bucket: { type: 'string' },
        'per-user': { type: 'string' },
        'per-function': { type: 'string' },
        file: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      usage,
    );
    if (parsed === undefined) return 2;
    const { values, positionals } = parsed;
    const action = positionals[0];
    let change: (doc: RateLimitsDocument) => RateLimitsDocument = (doc) => doc;
    try {
      if (action !== 'set' && action !== 'unset' && action !== 'clear' && action !== 'show') {
        throw new UsageError(`give an action: set, unset, clear or show${action === undefined ? '' : `, not "${action}"`}`);
      }
      if (positionals.length > 1) throw new UsageError(`unexpected ${positionals.slice(1).join(' ')}`);
      const tables = { perUser: values['per-user'], perFunction: values['per-function'] };
      const given = Object.values(tables).some((v) => v !== undefined);
      if ((action === 'clear' || action === 'show') && (given || values.file !== undefined)) throw new UsageError(`${action} takes no limits`);
      if (action === 'set' && values.file !== undefined) {
        if (given) throw new UsageError('give either --file or --per-user/--per-function, not both');
        const doc = parseRateLimits(JSON.parse(await readFile(values.file, 'utf8')));
        change = () => doc;
      } else if (action === 'set' || action === 'unset') {
        if (!given) throw new UsageError(`${action} needs --per-user or --per-function${action === 'set' ? ' (or --file doc.json)' : ''}`);
        const steps: ((doc: RateLimitsDocument) => RateLimitsDocument)[] = [];
        for (const table of ['perUser', 'perFunction'] as const) {
          const value = tables[table];
          if (value === undefined) continue;
          const flag = table === 'perUser' ? '--per-user' : '--per-function';
          const changes: Record<string, RateLimit | undefined> =
            action === 'set' ? parseRateLimitSpec(value, flag) : Object.fromEntries(names(value, flag).map((n) => [n, undefined]));
          if (action === 'set' && Object.keys(changes).length === 0) throw new UsageError(`${flag} needs NAME=POINTS/SECONDS, e.g. *=20/1`);
          steps.push((doc) => withRateLimits(doc, table, changes));
        }
        change = (doc) => steps.reduce((d, step) => step(d), doc);
      } else if (action === 'clear') {
        change = () => ({});
      }
    } catch (error) {
      if (error instanceof SyntaxError) {
        console.error(`lucent limits: ${values.file} is not JSON: ${error.message}`);
        return 2;
      }
      if (!(error instanceof UsageError || (isLucentError(error) && error.code === 'VALIDATION_FAILED'))) throw error;
      console.error(`lucent limits: ${isLucentError(error) ? `the limits are refused: ${issuesOf(error)}` : error.message}\n${usage}`);
      return 2;
    }
    const url = values.nats ?? (process.env['LUCENT_NATS_URL'] || 'nats://127.0.0.1:4222');
    const connection = await connectNats({ url, name: 'lucent-cli' });
    try {
      const bucket = values.bucket ?? limitsBucketFor(values.prefix);
      // show creates no bucket: without one no document is stored, and each service's configured limits are in force.
      const kv = action === 'show' ? await KvRateLimits.open({ connection, bucket, bindOnly: true }) : await KvRateLimits.open({ connection, bucket });
      const stored = await kv?.get();
      if (kv === undefined || (action === 'show' && stored === undefined)) {
        console.log(values.json ? 'null' : 'no limits stored: each service uses the limits it was started with');
        return 0;
      }
      if (action !== 'show') await kv.put(change(stored ?? {}));
      const now = (await kv.get()) ?? {};
      console.log(values.json ? JSON.stringify(now) : format(now));
      return 0;
    } finally {
      await connection.close();
    }
  },
};
