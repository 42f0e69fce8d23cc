// `lucent registry <action>` (list, show, register, activate, rollback, weights, shadow, kill switch, jurisdictions, routes, history, shadow-report, bundles, withdraw), against NATS KV or an admin URL.
import { readFile } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { LucentError, ValidationError, versionsFromManifest, type ErrorCode, type RegisteredVersion, type RulesEntry } from '@lucent/core';
import { formatEntry, formatHistory, formatList } from '../registry/formatRules.js';
import { httpRegistryClient } from '../registry/httpRegistryClient.js';
import type { RegistryClient, WriteOptions } from '../registry/registryClient.js';
import { RouteUsageError, routeEdit, routeEditText, routeFlagsOf } from '../registry/routeArgs.js';
import { parseCommandArgs, type Command } from './command.js';
import { registryActionUsage, registryUsage } from '../registry/registryUsage.js';

const usage = registryUsage;

/** Exit codes by error family, so scripts can tell "not found" from "refused" from "try again". */
const exitCodes: Partial<Record<ErrorCode, number>> = {
  VALIDATION_FAILED: 2,
  FUNCTION_NOT_FOUND: 3,
  UNAUTHORIZED: 4,
  FORBIDDEN: 4,
  CONTRACT_INCOMPATIBLE: 5,
  REGISTRY_CONFLICT: 5,
  CONFLICT: 5,
  UNAVAILABLE: 6,
};

class UsageError extends Error {}

/** What to do next, by error code: every refusal names its fix. */
function hint(error: LucentError): string {
  const name = (error.details as { name?: string } | undefined)?.name ?? '<fn>';
  switch (error.code) {
    case 'FUNCTION_NOT_FOUND':
      return `\n  \`lucent registry list\` shows what the registry holds; a shard registers its compiled-in functions when it starts, \`lucent registry register ${name}@VERSION --manifest FILE\` adds others`;
    case 'CONTRACT_INCOMPATIBLE':
      return '\n  the new version changes the contract: give it callers that match, or override with --force --reason R';
    case 'REGISTRY_CONFLICT':
      return '\n  someone changed the rules meanwhile: run the command again';
    case 'UNAVAILABLE':
      return '\n  check the --nats URL (or --admin URL) and that the server is running';
    default:
      return '';
  }
}

/** name → version for every `fn@version` asked for, or all of the manifest's with --all. */
async function manifestVersions(manifestFile: string | undefined, refs: readonly string[], all: boolean): Promise<[string, RegisteredVersion][]> {
  if (manifestFile === undefined) throw new UsageError('register needs --manifest FILE (the function-manifest.json `lucent generate` writes)');
  const known = versionsFromManifest(JSON.parse(await readFile(manifestFile, 'utf8')) as unknown);
  if (all) {
    if (refs.length > 0) throw new UsageError('give either --all or <fn>@<version>..., not both');
    return [...known];
  }
  if (refs.length === 0) throw new UsageError('give <fn>@<version>... or --all');
  return refs.map((ref) => {
    const at = ref.lastIndexOf('@');
    if (at <= 0) throw new UsageError(`"${ref}" is not <fn>@<version>`);
    const name = ref.slice(0, at);
    const version = ref.slice(at + 1);
    const found = known.get(name);
    if (found === undefined || found.version !== version) {
      throw new UsageError(`${manifestFile} has no ${ref}${found ? ` (it has ${name}@${found.version})` : ''}`);
    }
    return [name, found];
  });
}

function need(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new UsageError(`missing ${what}`);
  return value;
}

function parseWeights(pairs: readonly string[], current: RulesEntry): Record<string, number> {
  if (pairs.length === 0) throw new UsageError('give at least one <version>=<percent>');
  const weights: Record<string, number> = {};
  for (const pair of pairs) {
    const m = /^([^=\s]+)=(\d+(?:\.\d{1,2})?)$/.exec(pair);
    if (!m) throw new UsageError(`"${pair}" is not <version>=<percent>`);
    weights[m[1]!] = Number(m[2]);
  }
  const active = current.rules.active;
  if (active in weights) {
    // Naming the active version means the split is complete: it must add up to 100.
    const total = Object.values(weights).reduce((a, b) => a + b, 0);
    if (Math.abs(total - 100) > 1e-9) {
      throw new ValidationError('input', 'weights', [{ path: 'weights', message: `the percentages add up to ${total}, not 100` }]);
    }
    delete weights[active];
  }
  // Versions that had a weight and are not named lose it.
  for (const v of Object.keys(current.rules.weights)) if (!(v in weights) && v !== active) weights[v] = 0;
  return weights;
}

function splitCodes(values: readonly string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  return values.flatMap((v) => v.split(',')).map((c) => c.trim().toUpperCase()).filter(Boolean);
}

async function perform(client: RegistryClient, action: string, args: readonly string[], values: Record<string, unknown>): Promise<unknown> {
  const name = (): string => need(args[0], '<fn>');
  const reason = values['reason'] as string | undefined;
  const force = values['force'] === true;
  if (force && reason === undefined) throw new UsageError('--force needs --reason');
  const write = (what: string): WriteOptions => ({ reason: reason ?? `lucent registry ${what}`, ...(force ? { force } : {}) });
  switch (action) {
    case 'list':
      return client.list();
    case 'show':
      return client.show(name());
    case 'history': {
      const limit = values['limit'] === undefined ? undefined : Number(values['limit']);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new UsageError('--limit must be a positive integer');
      return client.history(name(), limit);
    }
    case 'register': {
      const versions = await manifestVersions(values['manifest'] as string | undefined, args, values['all'] === true);
      const entries: RulesEntry[] = [];
      for (const [fn, version] of versions) entries.push(await client.register(fn, { ...version, registeredAt: Date.now() }, write('register')));
      return entries;
    }
    case 'activate':
      return client.activate(name(), need(args[1], '<version>'), write('activate'));
    case 'rollback':
      return client.rollback(name(), values['to'] as string | undefined, write('rollback'));
    case 'weights': {
      const fn = name();
      return client.weights(fn, parseWeights(args.slice(1), await client.show(fn)), write('weights'));
    }
    case 'shadow': {
      const version = need(args[1], '<version|off>');
      return client.shadow(name(), version === 'off' ? undefined : version, write('shadow'));
    }
    case 'enable':
      return client.enable(name(), write('enable'));
    case 'disable':
      return client.disable(name(), write('disable'));
    case 'jurisdictions': {
      const allow = splitCodes(values['allow'] as string[] | undefined);
      const deny = splitCodes(values['deny'] as string[] | undefined);
      if (values['clear'] !== true && allow === undefined && deny === undefined) throw new UsageError('give --allow, --deny or --clear');
      return client.jurisdictions(name(), { ...(allow ? { allow } : {}), ...(deny ? { deny } : {}) }, write('jurisdictions'));
    }
    case 'route':
      try {
        const edit = routeEdit(routeFlagsOf(values));
        return await client.route(name(), edit, write(routeEditText(edit)));
      } catch (error) {
        throw error instanceof RouteUsageError ? new UsageError(error.message) : error;
      }
    default:
      throw new UsageError(`unknown action "${action}"`);
  }
}

function render(action: string, result: unknown): string {
  if (action === 'list' || action === 'register') return `${action === 'register' ? 'lucent registry register: applied\n' : ''}${formatList(result as RulesEntry[])}`;
  if (action === 'history') return formatHistory(result as Parameters<typeof formatHistory>[0]);
  const entry = formatEntry(result as RulesEntry);
  if (action === 'show') return entry;
  const { rules } = result as RulesEntry;
  // A disabled function serves nothing whatever its versions say; a first published version starts so.
  const note = !rules.enabled && action !== 'disable' ? `\nnote: ${rules.name} is disabled and serves no call; start it with \`lucent registry enable ${rules.name}\`` : '';
  return `lucent registry ${action}: applied\n${entry}${note}`;
}

export const registryCommand: Command = {
  usage: registryUsage,
  actions: registryActionUsage,
  async run(argv) {
    const parsed = parseCommandArgs('registry', argv, {
      nats: { type: 'string' },
      bucket: { type: 'string' },
      prefix: { type: 'string', default: 'lucent' },
      'bundle-bucket': { type: 'string' },
      database: { type: 'string' },
      schema: { type: 'string' },
      admin: { type: 'string' },
      token: { type: 'string' },
      who: { type: 'string' },
      reason: { type: 'string' },
      force: { type: 'boolean', default: false },
      allow: { type: 'string', multiple: true },
      deny: { type: 'string', multiple: true },
      clear: { type: 'boolean', default: false },
      limit: { type: 'string' },
      manifest: { type: 'string' },
      all: { type: 'boolean', default: false },
      to: { type: 'string' },
      name: { type: 'string' },
      when: { type: 'string', multiple: true },
      'require-tags': { type: 'string', multiple: true },
      'avoid-tags': { type: 'string', multiple: true },
      mode: { type: 'string' },
      remove: { type: 'string' },
      json: { type: 'boolean', default: false },
    }, usage);
    if (parsed === undefined) return 2;
    const { values, positionals } = parsed;
    const [action, ...args] = positionals;
    if (!action) {
      console.error(usage);
      return 2;
    }
    let client: RegistryClient | undefined;
    const who = values.who ?? `cli:${userInfo().username}@${hostname()}`;
    // @lucent/nats (the NATS client, the runtime) is loaded only by the actions that go to NATS.
    const buckets = async (): Promise<{ registryBucket: string; bundleBucket: string }> => {
      const { bundleBucketFor, registryBucketFor } = await import('@lucent/nats');
      return { registryBucket: values.bucket ?? registryBucketFor(values.prefix), bundleBucket: values['bundle-bucket'] ?? bundleBucketFor(values.prefix) };
    };
    try {
      const natsUrl = values.nats ?? (values.admin === undefined ? process.env['LUCENT_NATS_URL'] || undefined : undefined);
      if (natsUrl !== undefined && values.admin !== undefined) throw new UsageError('give either --nats or --admin, not both');
      if (action === 'bundles' || action === 'withdraw') {
        if (natsUrl === undefined) throw new UsageError(`${action} reads the cluster's bundle store: give --nats URL`);
        if (action === 'withdraw' && args[0] === undefined) throw new UsageError('withdraw needs <bundle-id> (`lucent registry bundles` lists them)');
        const target = { prefix: values.prefix, ...(await buckets()) };
        const { bundlesAction } = await import('../registry/bundleCommand.js');
        const text = await bundlesAction(natsUrl, target, action, args, { who, why: values.reason ?? `lucent registry withdraw ${args[0] ?? ''}` }, values.json);
        console.log(text);
        return 0;
      }
      if (action === 'shadow-report') {
        const fn = need(args[0], '<fn>');
        const { readShadowReport, formatShadowReport } = await import('../registry/shadowReportCommand.js');
        const database = values.database ?? (process.env['LUCENT_PG_URL'] || undefined);
        if (natsUrl === undefined && database === undefined) throw new UsageError('shadow-report reads the running shards (--nats URL) or the event store (--database URL)');
        const result = await readShadowReport(fn, {
          prefix: values.prefix,
          ...(natsUrl === undefined ? {} : { nats: natsUrl }),
          ...(database === undefined ? {} : { database }),
          ...(values.schema === undefined ? {} : { schema: values.schema }),
        });
        console.log(values.json ? JSON.stringify(result, null, 2) : formatShadowReport(fn, result));
        return 0;
      }
      if (values.admin !== undefined) {
        const token = values.token ?? (process.env['LUCENT_ADMIN_TOKEN'] || undefined);
        client = httpRegistryClient(values.admin, need(token, '--token (or LUCENT_ADMIN_TOKEN)'));
      } else if (natsUrl !== undefined) {
        const database = values.database ?? (process.env['LUCENT_PG_URL'] || undefined);
        // Loaded on demand: NATS and PostgreSQL clients are not worth loading for every `lucent` command.
        const { openNatsRegistryClient } = await import('../registry/natsRegistryClient.js');
        const opened = await openNatsRegistryClient({
          nats: natsUrl,
          who,
          bucket: (await buckets()).registryBucket,
          readOnly: action === 'list' || action === 'show' || action === 'history',
          ...(database === undefined ? {} : { database }),
          ...(values.schema === undefined ? {} : { schema: values.schema }),
        });
        client = opened.client;
        if (!opened.auditShared && action !== 'list' && action !== 'show') {
          // The full audit trail lives in the system's event store; without it only the bucket's own history remains.
          console.error(
            action === 'history'
              ? 'lucent registry: note: no --database given; this is the history the registry bucket keeps (its last 64 changes per function)'
              : 'lucent registry: warning: no --database given; the audit record of this change is not written to the event store (the registry bucket keeps who and why)',
          );
        }
      } else throw new UsageError('say which registry: --nats URL or --admin URL');
      const result = await perform(client, action, args, values);
      console.log(values.json ? JSON.stringify(result, null, 2) : render(action, result));
      return 0;
    } catch (error) {
      if (error instanceof UsageError) {
        // A known action's mistake is shown against that action's usage, not all sixteen.
        console.error(`lucent registry: ${error.message}\n${Object.hasOwn(registryActionUsage, action) ? registryActionUsage[action] : usage}`);
        return 2;
      }
      if (error instanceof LucentError) {
        console.error(`lucent registry: ${error.code}: ${error.message}${hint(error)}`);
        return exitCodes[error.code] ?? 1;
      }
      throw error;
    } finally {
      await client?.close();
    }
  },
};
