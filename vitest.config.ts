// Tests import workspace packages from source, so no build is needed between edits.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const pkg = (name: string): string => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      '@lucent/core': pkg('core'),
      '@lucent/runtime': pkg('runtime'),
      '@lucent/postgres': pkg('postgres'),
      '@lucent/redis': pkg('redis'),
      '@lucent/nats': pkg('nats'),
      '@lucent/nestjs': pkg('nestjs'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.spec.ts', 'examples/*/src/**/*.spec.ts', 'bench/src/**/*.spec.ts', 'test/**/*.spec.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
