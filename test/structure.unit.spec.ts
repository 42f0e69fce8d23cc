// The shell's rooms stay small and acyclic: no source file in packages/*/src over 400 lines, and no circle of relative imports.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const maxLines = 400;

/**
 * Test support is not counted against the size limit: specs, and the files whose names say they
 * serve tests — a port's shared contract suite (`eventStoreContract.ts`, `timerStoreContract.ts`),
 * anything under a `testing/` folder, and the test kits (`sagaTestKit.ts`).
 */
function isTestSupport(file: string): boolean {
  return /\.spec\.ts$/.test(file) || /Contract\.ts$/.test(file) || /TestKit/.test(file) || file.split('/').includes('testing');
}

function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(relative(root, path).split('\\').join('/'));
    }
  };
  for (const pkg of readdirSync(join(root, 'packages'), { withFileTypes: true })) {
    if (pkg.isDirectory()) walk(join(root, 'packages', pkg.name, 'src'));
  }
  return files.sort();
}

function lineCount(text: string): number {
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

const relativeImport = /^\s*(?:import|export)\s[^'"`;]*?\sfrom\s+['"](\.{1,2}\/[^'"]+)['"]|^\s*import\s+['"](\.{1,2}\/[^'"]+)['"]/gm;

/** The relative imports of each non-spec source file, as repository paths. `import type` counts: a reader follows it just the same. */
function importGraph(files: readonly string[]): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    if (file.endsWith('.spec.ts')) continue;
    const targets: string[] = [];
    for (const m of readFileSync(join(root, file), 'utf8').matchAll(relativeImport)) {
      const spec = (m[1] ?? m[2]) as string;
      const target = relative(root, resolve(root, dirname(file), spec.replace(/\.js$/, '.ts'))).split('\\').join('/');
      if (known.has(target)) targets.push(target);
    }
    graph.set(file, targets);
  }
  return graph;
}

/** Each circle a depth-first walk meets, as the files around it. */
function circles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (state.get(next) === undefined) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (state.get(file) === undefined) visit(file);
  return found;
}

describe('source structure', () => {
  const files = sourceFiles();

  it(`has no source file over ${maxLines} lines in packages/*/src (test support aside)`, () => {
    const over = files
      .filter((f) => !isTestSupport(f))
      .map((f) => ({ file: f, lines: lineCount(readFileSync(join(root, f), 'utf8')) }))
      .filter((f) => f.lines > maxLines);
    expect(over).toEqual([]);
  });

  it('has no circle of relative imports in packages/*/src', () => {
    expect(circles(importGraph(files)).map((c) => c.join(' -> '))).toEqual([]);
  });

  it('finds a circle when there is one, and none in a chain', () => {
    expect(circles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]]))).toEqual([['a', 'b', 'c', 'a']]);
    expect(circles(new Map([['a', ['b']], ['b', ['c']], ['c', []]]))).toEqual([]);
  });
});
