// What deploy/ may refer to, read from the repository itself: the routes the processes serve, the variables and flags they read, the files the image holds.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
const read = (file: string): string => readFileSync(path.join(repoRoot, file), 'utf8');

export type Role = 'gateway' | 'shard';

export interface DeployFacts {
  /** GET paths each role's HTTP port serves without a token (probes and scrapers use them). */
  readonly paths: Readonly<Record<Role, ReadonlySet<string>>>;
  /** Environment variables each role's code reads (LUCENT_*, HOST, PORT). */
  readonly env: Readonly<Record<Role, ReadonlySet<string>>>;
  /** Flags `lucent shard` takes. */
  readonly shardFlags: ReadonlySet<string>;
  /** The Dockerfile's text: what the image holds and runs. */
  readonly dockerfile: string;
}

/** GET routes of a Nest controller file: `@Controller('health')` + `@LucentRoute('GET', 'live', …)` → /health/live. */
function nestGetRoutes(file: string): string[] {
  const text = read(file);
  const base = /@Controller\((?:'([^']*)')?\)/.exec(text)?.[1] ?? '';
  return [...text.matchAll(/@LucentRoute\('GET', '([^']*)'/g)].map((m) => `/${[base, m[1]].filter(Boolean).join('/')}`);
}

/** Source files of a folder, without specs and test support. */
function sources(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(path.join(repoRoot, d), { withFileTypes: true })) {
      const rel = `${d}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name !== 'testing' && entry.name !== 'node_modules') walk(rel);
      } else if (entry.name.endsWith('.ts') && !/\.(spec|test-d)\.ts$|\.d\.ts$/.test(entry.name)) out.push(rel);
    }
  };
  walk(dir);
  return out;
}

/** `'LUCENT_X'` literals and `env['HOST']`-style reads in the given folders. */
function envReadIn(dirs: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const file of dirs.flatMap(sources)) {
    const text = read(file);
    for (const m of text.matchAll(/['"`](LUCENT_[A-Z0-9_]*[A-Z0-9])['"`]/g)) names.add(m[1]!);
    for (const m of text.matchAll(/env\[['"]([A-Z][A-Z0-9_]*)['"]\]/g)) names.add(m[1]!);
  }
  return names;
}

export function readDeployFacts(): DeployFacts {
  const gatewayPaths = ['packages/nestjs/src/health/lucentHealthModule.ts', 'packages/nestjs/src/metrics/lucentMetricsModule.ts'].flatMap(nestGetRoutes);
  const metricsServer = read('packages/runtime/src/observability/metricsServer.ts');
  const shardPaths = [...metricsServer.matchAll(/path === '(\/[^']*)'/g)].map((m) => m[1]!);
  const shardCommand = read('packages/cli/src/commands/shard.ts');
  const flagsLine = /const flags =\s*'([^']*)'/.exec(shardCommand)?.[1] ?? '';
  return {
    paths: { gateway: new Set(gatewayPaths), shard: new Set(shardPaths) },
    env: {
      gateway: envReadIn(['examples/crypto-trading/src', ...['core', 'runtime', 'postgres', 'redis', 'nats', 'nestjs'].map((p) => `packages/${p}/src`)]),
      shard: envReadIn(['packages/cli/src', ...['core', 'runtime', 'nats'].map((p) => `packages/${p}/src`)]),
    },
    shardFlags: new Set([...flagsLine.matchAll(/--[a-z-]+/g)].map((m) => m[0])),
    dockerfile: read('deploy/Dockerfile'),
  };
}

/**
 * The role a container command runs, or undefined for a container that is not Lucent's:
 * `node <pkg>/dist/main.js` is the gateway, `node packages/cli/dist/bin.js shard …` a shard.
 */
export function roleOf(command: readonly string[]): Role | undefined {
  if (command[0] !== 'node') return undefined;
  if (command[1] === 'examples/crypto-trading/dist/main.js') return 'gateway';
  if (command[1] === 'packages/cli/dist/bin.js' && command[2] === 'shard') return 'shard';
  return undefined;
}

/**
 * Problems with what a Lucent command runs in the image: its script compiled from a source file
 * that exists and copied by the Dockerfile; for a shard, only flags `lucent shard` knows, a config
 * file that exists and is copied, and the health port bound beyond loopback.
 */
export function commandIssues(where: string, command: readonly string[], facts: DeployFacts): string[] {
  const issues: string[] = [];
  const script = command[1] ?? '';
  const source = script.replace('/dist/', '/src/').replace(/\.js$/, '.ts');
  if (!existsSync(path.join(repoRoot, source))) issues.push(`${where}: runs ${script}, but ${source} does not exist`);
  const distDir = script.slice(0, script.indexOf('/dist/') + '/dist'.length);
  if (!facts.dockerfile.includes(`/app/${distDir} `)) issues.push(`${where}: runs ${script}, but deploy/Dockerfile does not copy ${distDir}`);
  if (roleOf(command) !== 'shard') return issues;
  const args = command.slice(3);
  for (const flag of args.filter((a) => a.startsWith('--'))) {
    if (!facts.shardFlags.has(flag)) issues.push(`${where}: lucent shard has no flag ${flag}`);
  }
  const valueOf = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    return i < 0 ? undefined : args[i + 1];
  };
  const config = valueOf('--config');
  if (config === undefined) issues.push(`${where}: lucent shard needs --config`);
  else if (!existsSync(path.join(repoRoot, config))) issues.push(`${where}: --config ${config} does not exist`);
  else if (!facts.dockerfile.includes(config) && !facts.dockerfile.includes(path.dirname(config) + ' ')) {
    issues.push(`${where}: deploy/Dockerfile does not copy ${config}`);
  }
  if (valueOf('--metrics-port') === undefined) issues.push(`${where}: a shard without --metrics-port serves no health endpoint to probe`);
  if (valueOf('--metrics-host') !== '0.0.0.0') issues.push(`${where}: --metrics-host must be 0.0.0.0, or the health port is reachable from the container only`);
  return issues;
}

/** A variable set for a role that its code never reads (a typo, or one the other role reads), unless a command names it as $(NAME). */
export function unreadEnvIssues(where: string, role: Role, names: Iterable<string>, command: readonly string[], facts: DeployFacts): string[] {
  const referenced = new Set(command.flatMap((a) => [...a.matchAll(/\$\(([A-Z_][A-Z0-9_]*)\)/g)].map((m) => m[1]!)));
  return [...names]
    .filter((name) => !facts.env[role].has(name) && !referenced.has(name))
    .map((name) => `${where}: sets ${name}, which the ${role} does not read`);
}
