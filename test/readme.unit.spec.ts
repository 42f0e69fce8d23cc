// Keeps the README honest: its quick start is test/types/quickstart.ts verbatim, which compiles and runs.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const quickstart = readFileSync(new URL('./types/quickstart.ts', import.meta.url), 'utf8');

describe('README', () => {
  afterEach(() => vi.restoreAllMocks());

  it('gives exactly two set-up commands: run the example, run the tests', () => {
    const setup = /## Set up[^\n]*\n+```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const commands = setup.split('\n').filter((l) => l.trim() !== '');
    expect(commands).toHaveLength(2);
    expect(commands[0]).toMatch(/^npm ci && npm start\b/);
    expect(commands[1]).toMatch(/^npm ci && npm test\b/);
  });

  it('shows the quick start that the type tests compile', () => {
    const block = /## Quick start\n+```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBe(quickstart);
    expect(quickstart.split('\n').length).toBeLessThanOrEqual(25);
  });

  it('runs the quick start and prints what its comments promise', async () => {
    const lines: unknown[][] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args));
    await import('./types/quickstart.js');
    expect(lines[0]).toEqual([1.2, []]);
    expect(String(lines[1]?.[0])).toMatch(/^Invalid input for risk\.simpleHealthFactor: debtUsd: /);
  });
});
