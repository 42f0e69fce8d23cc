// Lint rules, including the purity check: core and domain code get time, randomness and I/O from their context.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ioModules = ['fs', 'net', 'http', 'https', 'http2', 'dgram', 'dns', 'child_process', 'worker_threads', 'cluster', 'tls', 'os', 'process', 'readline', 'crypto'];

/** Rules that keep a file pure. Exported so the test that proves they bite uses the same ones. */
export const purityRules = {
  'no-restricted-globals': [
    'error',
    { name: 'process', message: 'Pure code reads configuration from its input or context, not process.' },
    { name: 'fetch', message: 'Pure code does no I/O; the shell fetches and passes data in.' },
    { name: 'setTimeout', message: 'Pure code does not schedule; return a timer request instead.' },
    { name: 'setInterval', message: 'Pure code does not schedule; return a timer request instead.' },
    { name: 'performance', message: 'Pure code reads time from ctx.now().' },
    { name: 'crypto', message: 'Pure code gets ids and randomness from ctx.newId()/ctx.random().' },
  ],
  'no-restricted-syntax': [
    'error',
    { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Use ctx.now(): pure code gets the clock from its context.' },
    { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Use new Date(ctx.now()): pure code gets the clock from its context.' },
    { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'Use ctx.random(): pure code gets randomness from its context.' },
  ],
  'no-restricted-imports': [
    'error',
    {
      paths: ioModules.flatMap((m) => [m, `node:${m}`]).map((name) => ({ name, message: 'The functional core does no I/O.' })),
      patterns: [
        { group: ['pg', 'ioredis', 'nats', '@nats-io/*', '@electric-sql/*', '@nestjs/*', 'piscina', 'pino'], message: 'The functional core does no I/O; adapters live in the shell.' },
        { group: ['@lucent/runtime', '@lucent/postgres', '@lucent/redis', '@lucent/nats', '@lucent/nestjs', '@lucent/cli'], message: 'Arrows point down only: the core imports no shell package.' },
      ],
    },
  ],
};

/** Where the purity rules apply. */
export const pureFiles = ['packages/core/src/**/*.ts', 'examples/*/src/domain/**/*.ts'];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/*.d.ts', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-unsafe-declaration-merging': 'off',
    },
  },
  {
    files: pureFiles,
    ignores: ['**/*.spec.ts'],
    rules: purityRules,
  },
);
