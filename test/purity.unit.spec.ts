// Proves the purity lint bites: clock, randomness, env and I/O in core/domain code are errors.
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const eslint = new ESLint({ cwd: root });

async function problems(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.severity === 2).map((m) => `${m.ruleId}: ${m.message}`);
}

const domainFile = 'examples/crypto-trading/src/domain/purity-fixture.ts';
const coreFile = 'packages/core/src/purity-fixture.ts';

describe('purity lint', () => {
  it('fails a domain file that calls Date.now()', async () => {
    const found = await problems('export const stamp = (): number => Date.now();\n', domainFile);
    expect(found).toEqual([expect.stringContaining('ctx.now()')]);
  });

  it('fails new Date() without arguments, Math.random() and process.env in core code', async () => {
    const code = [
      'export const a = (): Date => new Date();',
      'export const b = (): number => Math.random();',
      "export const c = (): string | undefined => process.env['X'];",
      '',
    ].join('\n');
    const found = await problems(code, coreFile);
    expect(found).toHaveLength(3);
    expect(found.join('\n')).toMatch(/ctx\.now\(\)[\s\S]*ctx\.random\(\)[\s\S]*process/);
  });

  it('fails I/O imports and shell packages in the core', async () => {
    const code = [
      "import { readFileSync } from 'node:fs';",
      "import pg from 'pg';",
      "import { FunctionManager } from '@lucent/runtime';",
      'export const all = [readFileSync, pg, FunctionManager];',
      '',
    ].join('\n');
    expect(await problems(code, coreFile)).toHaveLength(3);
  });

  it('allows time from the context, and the clock in shell code', async () => {
    expect(await problems('export const f = (ctx: { now(): number }): Date => new Date(ctx.now());\n', domainFile)).toEqual([]);
    expect(await problems('export const stamp = (): number => Date.now();\n', 'packages/runtime/src/purity-fixture.ts')).toEqual([]);
  });
});
