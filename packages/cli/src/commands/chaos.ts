// `lucent chaos set|clear|show`: the cluster's chaos document in NATS KV, which every shard following a registry applies at once.
import { readFile } from 'node:fs/promises';
import { isLucentError } from '@lucent/core';
import { parseChaosDocument, withChaosFault, type ChaosDocument, type ChaosFault, type ChaosScope } from '@lucent/runtime';
import { chaosBucketFor, connectNats, KvChaos } from '@lucent/nats';
import { parseCommandArgs, type Command } from './command.js';

const usage = `usage: lucent chaos <set|clear|show> [target] [faults] [--nats URL] [--prefix P] [--bucket B] [--json]
  set (--function NAME | --shard ID | --dependency NAME) [--latency-ms N] [--error-rate R] [--timeout-rate R]
      [--drop-rate R] [--unreachable] [--hang-ms N]
                       add or change one target's faults (merged over what it had); NAME or ID may be *
  set --file doc.json  replace the whole document: { functions, shards, dependencies }, each { name: faults }
  clear [--function NAME | --shard ID | --dependency NAME]
                       remove one target's faults, or (no target) switch chaos off everywhere
  show                 the document in force
Rates are shares of calls from 0 to 1 (error, timeout and drop share one draw: at most 1 together).
--prefix P: the cluster's subject prefix (default lucent; document in bucket P-chaos, key chaos).
Shards refuse faults under NODE_ENV=production unless started with LUCENT_CHAOS_ALLOWED=1.
exit codes: 0 done, 2 usage or a bad document, 1 other (NATS unreachable)`;

const where = `--nats URL (default nats://127.0.0.1:4222), --prefix P: the cluster's subject prefix (default lucent; bucket P-chaos),
--bucket B: the chaos bucket by name, --json: print the document in force
exit codes: 0 done, 2 usage or a bad document, 1 other (NATS unreachable)`;

/** `lucent chaos <action> --help`. */
const actions = {
  set: `usage: lucent chaos set (--function NAME | --shard ID | --dependency NAME) [faults] [--nats URL] [--prefix P] [--bucket B] [--json]
       lucent chaos set --file doc.json [--nats URL] [--prefix P] [--bucket B] [--json]
add or change one target's faults (merged over what it had; NAME or ID may be *), or replace the whole document
  --latency-ms N         added before every call, ms
  --error-rate R         share of calls (0 to 1) failed at once with an injected error, never run
  --timeout-rate R       share held until their deadline, then failed DEADLINE_EXCEEDED, never run
  --drop-rate R          share that run but whose reply is never sent
                         (error, timeout and drop share one draw: at most 1 together)
  --unreachable          every call fails at once as if the target were gone
  --hang-ms N            the longest a timed-out call without a deadline is held (default 10000)
  --file doc.json        { functions, shards, dependencies }, each { name: faults }
Shards refuse faults under NODE_ENV=production unless started with LUCENT_CHAOS_ALLOWED=1.
${where}`,
  clear: `usage: lucent chaos clear [--function NAME | --shard ID | --dependency NAME] [--nats URL] [--prefix P] [--bucket B] [--json]
remove one target's faults, or (no target) switch chaos off everywhere; creates no bucket
${where}`,
  show: `usage: lucent chaos show [--nats URL] [--prefix P] [--bucket B] [--json]
the document in force (chaos off when there is none); creates no bucket
${where}`,
};

class UsageError extends Error {}

/** A refused document's fields, each with what to fix. */
const issuesOf = (error: unknown): string =>
  ((error as { issues?: readonly { path: string; message: string }[] }).issues ?? []).map((i) => `${i.path} ${i.message}`).join('; ');

function target(values: { function?: string | undefined; shard?: string | undefined; dependency?: string | undefined }): [ChaosScope, string] | undefined {
  const given = (
    [
      ['function', values.function],
      ['shard', values.shard],
      ['dependency', values.dependency],
    ] as const
  ).filter(([, name]) => name !== undefined);
  if (given.length > 1) throw new UsageError('name one target: --function, --shard or --dependency');
  const [scope, name] = given[0] ?? [];
  if (scope === undefined || name === undefined) return undefined;
  if (name === '') throw new UsageError(`--${scope} needs a name (or *)`);
  return [scope, name];
}

function number(value: string, flag: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag} takes a number, not ${value}`);
  return n;
}

export const chaosCommand: Command = {
  usage,
  actions,
  async run(argv) {
    const parsed = parseCommandArgs(
      'chaos',
      argv,
      {
        nats: { type: 'string' },
        prefix: { type: 'string', default: 'lucent' },
        bucket: { type: 'string' },
        function: { type: 'string' },
        shard: { type: 'string' },
        dependency: { type: 'string' },
        'latency-ms': { type: 'string' },
        'error-rate': { type: 'string' },
        'timeout-rate': { type: 'string' },
        'drop-rate': { type: 'string' },
        'hang-ms': { type: 'string' },
        unreachable: { type: 'boolean' },
        file: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      usage,
    );
    if (parsed === undefined) return 2;
    const { values, positionals } = parsed;
    const action = positionals[0];
    let document: ChaosDocument | undefined;
    let chosen: [ChaosScope, string] | undefined;
    let fault: ChaosFault = {};
    try {
      if (action !== 'set' && action !== 'clear' && action !== 'show') throw new UsageError(`give an action: set, clear or show${action === undefined ? '' : `, not "${action}"`}`);
      if (positionals.length > 1) throw new UsageError(`unexpected ${positionals.slice(1).join(' ')}`);
      chosen = target(values);
      fault = {
        ...(values['latency-ms'] === undefined ? {} : { latencyMs: number(values['latency-ms'], '--latency-ms') }),
        ...(values['error-rate'] === undefined ? {} : { errorRate: number(values['error-rate'], '--error-rate') }),
        ...(values['timeout-rate'] === undefined ? {} : { timeoutRate: number(values['timeout-rate'], '--timeout-rate') }),
        ...(values['drop-rate'] === undefined ? {} : { dropRate: number(values['drop-rate'], '--drop-rate') }),
        ...(values['hang-ms'] === undefined ? {} : { hangMs: number(values['hang-ms'], '--hang-ms') }),
        ...(values.unreachable === undefined ? {} : { unreachable: values.unreachable }),
      };
      if (action === 'set') {
        if (values.file !== undefined) {
          if (chosen !== undefined) throw new UsageError('give either --file or a target, not both');
          document = parseChaosDocument(JSON.parse(await readFile(values.file, 'utf8')));
        } else if (chosen === undefined) {
          throw new UsageError('set needs a target (--function NAME, --shard ID or --dependency NAME) or --file doc.json');
        }
      }
    } catch (error) {
      if (!(error instanceof UsageError || (isLucentError(error) && error.code === 'VALIDATION_FAILED'))) throw error;
      console.error(`lucent chaos: ${isLucentError(error) ? `the document is refused: ${issuesOf(error)}` : error.message}\n${usage}`);
      return 2;
    }
    const url = values.nats ?? (process.env['LUCENT_NATS_URL'] || 'nats://127.0.0.1:4222');
    const connection = await connectNats({ url, name: 'lucent-cli' });
    try {
      const bucket = values.bucket ?? chaosBucketFor(values.prefix);
      // show and clear create no bucket: without one there is no document, and chaos is off.
      const kv = action === 'set' ? await KvChaos.open({ connection, bucket }) : await KvChaos.open({ connection, bucket, bindOnly: true });
      if (kv === undefined) {
        console.log(values.json ? '{}' : 'chaos off: no faults in force');
        return 0;
      }
      if (action === 'set') {
        if (chosen !== undefined) {
          if (Object.keys(fault).length === 0) {
            console.error(`lucent chaos: set --${chosen[0]} ${chosen[1]} needs at least one fault (--latency-ms, --error-rate, --timeout-rate, --drop-rate, --unreachable)\n${usage}`);
            return 2;
          }
          document = withChaosFault(await kv.get(), chosen[0], chosen[1], fault);
        }
        try {
          await kv.put(document ?? {});
        } catch (error) {
          if (!(isLucentError(error) && error.code === 'VALIDATION_FAILED')) throw error;
          console.error(`lucent chaos: the document is refused: ${issuesOf(error)}`);
          return 2;
        }
      } else if (action === 'clear') {
        if (chosen === undefined) await kv.clear();
        else await kv.put(withChaosFault(await kv.get(), chosen[0], chosen[1], undefined));
      }
      const now = await kv.get();
      if (values.json) console.log(JSON.stringify(now));
      else console.log(Object.keys(now).length === 0 ? 'chaos off: no faults in force' : `chaos on:\n${JSON.stringify(now, null, 2)}`);
      return 0;
    } finally {
      await connection.close();
    }
  },
};
