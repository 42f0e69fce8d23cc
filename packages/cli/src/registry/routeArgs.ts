// `lucent registry route` flags → a route edit: `--when 'notional>=1000000'` conditions, tags, mode; checked as the registry will check them.
import { routeIssues, ValidationError, type CallFact, type FactCondition, type FunctionRoute } from '@lucent/core';

/** One change to a function's routes. */
export type RouteEdit =
  | { readonly set: FunctionRoute }
  | { readonly remove: string }
  | { readonly clear: true };

export interface RouteFlags {
  readonly name?: string;
  readonly when?: readonly string[];
  readonly requireTags?: readonly string[];
  readonly avoidTags?: readonly string[];
  readonly mode?: string;
  readonly remove?: string;
  readonly clear?: boolean;
}

/** A usage mistake in the flags themselves (exit 2 with the usage); malformed values are ValidationErrors. */
export class RouteUsageError extends Error {}

const operators = [
  ['>=', 'gte'],
  ['<=', 'lte'],
  ['>', 'gt'],
  ['<', 'lt'],
] as const;

function factValue(text: string): CallFact {
  if (text === 'true' || text === 'false') return text === 'true';
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) ? n : text;
}

/**
 * `notional>=1000000`, `notional<5e6`, `side=buy`, `pair=ETH-USDC,BTC-USDC` (any of them), `vip=true`.
 * A number that is not finite is kept as written, for the registry's check to name.
 */
export function parseCondition(text: string): FactCondition {
  const trimmed = text.trim();
  for (const [op, key] of operators) {
    const at = trimmed.indexOf(op);
    if (at > 0) {
      const fact = trimmed.slice(0, at).trim();
      const raw = trimmed.slice(at + op.length).trim();
      const n = raw === '' ? Number.NaN : Number(raw);
      return { fact, [key]: n } as FactCondition;
    }
  }
  const eq = trimmed.indexOf('=');
  if (eq > 0) {
    const fact = trimmed.slice(0, eq).trim();
    const values = trimmed.slice(eq + 1).split(',').map((v) => v.trim()).filter((v) => v !== '');
    if (values.length === 0) throw new RouteUsageError(`--when "${text}" has no value after "="`);
    return values.length === 1 ? { fact, equals: factValue(values[0]!) } : { fact, in: values.map(factValue) };
  }
  throw new RouteUsageError(`--when "${text}" is not FACT>=N, FACT>N, FACT<=N, FACT<N, FACT=VALUE or FACT=A,B`);
}

const tagList = (values: readonly string[] | undefined): string[] | undefined =>
  values === undefined ? undefined : values.flatMap((v) => v.split(',')).map((t) => t.trim());

/** The edit the flags ask for; exactly one of --name, --remove, --clear. */
export function routeEdit(flags: RouteFlags): RouteEdit {
  const given = [flags.name !== undefined, flags.remove !== undefined, flags.clear === true].filter(Boolean).length;
  if (given !== 1) throw new RouteUsageError('give one of --name NAME (add or replace a route), --remove NAME or --clear');
  if (flags.remove !== undefined) return { remove: flags.remove };
  if (flags.clear === true) return { clear: true };
  if (flags.mode !== undefined && flags.mode !== 'require' && flags.mode !== 'prefer') {
    throw new RouteUsageError(`--mode must be require or prefer, not "${flags.mode}"`);
  }
  const requireTags = tagList(flags.requireTags);
  const avoidTags = tagList(flags.avoidTags);
  const route: FunctionRoute = {
    name: flags.name!,
    ...(flags.when === undefined || flags.when.length === 0 ? {} : { when: flags.when.map(parseCondition) }),
    ...(requireTags === undefined ? {} : { requireTags }),
    ...(avoidTags === undefined ? {} : { avoidTags }),
    ...(flags.mode === 'prefer' ? { mode: 'prefer' as const } : {}),
  };
  // The registry refuses the same things on write; checking here names the flag before connecting anywhere.
  const issues = routeIssues(route, 'route');
  if (issues.length > 0) throw new ValidationError('input', `route ${flags.name}`, issues);
  return { set: route };
}

/** The route flags among `lucent registry`'s parsed options. */
export function routeFlagsOf(values: Readonly<Record<string, unknown>>): RouteFlags {
  const str = (key: string): string | undefined => values[key] as string | undefined;
  const list = (key: string): readonly string[] | undefined => values[key] as string[] | undefined;
  const flags: { -readonly [K in keyof RouteFlags]: RouteFlags[K] } = { clear: values['clear'] === true };
  if (str('name') !== undefined) flags.name = str('name')!;
  if (list('when') !== undefined) flags.when = list('when')!;
  if (list('require-tags') !== undefined) flags.requireTags = list('require-tags')!;
  if (list('avoid-tags') !== undefined) flags.avoidTags = list('avoid-tags')!;
  if (str('mode') !== undefined) flags.mode = str('mode')!;
  if (str('remove') !== undefined) flags.remove = str('remove')!;
  return flags;
}

/** The default reason recorded with the change, e.g. `lucent registry route whales`. */
export function routeEditText(edit: RouteEdit): string {
  return 'set' in edit ? `route ${edit.set.name}` : 'remove' in edit ? `route --remove ${edit.remove}` : 'route --clear';
}
