// Tests import workspace packages from source, so no build is needed between edits.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string): string => fileURLToPath(new URL(`./packages/${path}`, import.meta.url));

// Each package entry point (package.json "exports") and the source file it is built from. Anchored
// patterns: a plain '@lucent/core' key would also rewrite '@lucent/core/testing' to '…/index.ts/testing'.
const entries: Record<string, string> = {
  '@lucent/core': 'core/src/index.ts',
  '@lucent/core/testing': 'core/src/testing/index.ts',
  '@lucent/core/simulator': 'core/src/routing/simulator/index.ts',
  '@lucent/runtime': 'runtime/src/index.ts',
  '@lucent/runtime/cluster': 'runtime/src/cluster/index.ts',
  '@lucent/runtime/testing': 'runtime/src/testing/index.ts',
  '@lucent/postgres': 'postgres/src/index.ts',
  '@lucent/redis': 'redis/src/index.ts',
  '@lucent/nats': 'nats/src/index.ts',
  '@lucent/nats/testing': 'nats/src/testing/index.ts',
  '@lucent/nestjs': 'nestjs/src/index.ts',
};

// `*.serial.int.spec.ts` files assert on latency percentiles, and `*.browser.spec.ts` files drive Chromium
// and time the console's first load: they run after the rest, one file at a time, so the other suites'
// load (2 cores here) does not decide their outcome. `npm test` runs both.
const serial = process.env['LUCENT_TESTS'] === 'serial';
const serialFiles = ['**/*.serial.int.spec.ts', '**/*.browser.spec.ts'];

export default defineConfig({
  resolve: {
    alias: Object.entries(entries).map(([name, path]) => ({ find: new RegExp(`^${name}$`), replacement: src(path) })),
  },
  test: {
    include: serial
      ? serialFiles.flatMap((files) => [`packages/*/src/${files}`, `examples/*/src/${files}`])
      : ['packages/*/src/**/*.spec.ts', 'examples/*/src/**/*.spec.ts', 'bench/src/**/*.spec.ts', 'test/**/*.spec.ts'],
    exclude: serial ? ['**/node_modules/**'] : ['**/node_modules/**', ...serialFiles],
    fileParallelism: !serial,
    // Two files at a time on this 2-core machine (vitest's default is one fewer than the cores: one):
    // most specs wait on PostgreSQL, Redis, NATS or child processes. Measured on a fresh clone:
    // 216 files in 738 s with two, 1,066 s with one, all passing both ways.
    maxWorkers: serial ? 1 : 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
