// The shell's rooms stay small and acyclic: no source file in packages/*/src over 400 lines, no circle of relative imports, every file docs/architecture.md's map links to exists, and each package entry point is an explicit list of names.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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
  return /\.spec\.tsx?$/.test(file) || /Contract\.ts$/.test(file) || /TestKit/.test(file) || file.split('/').includes('testing');
}

function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(relative(root, path).split('\\').join('/'));
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
    if (/\.spec\.tsx?$/.test(file)) continue;
    const targets: string[] = [];
    for (const m of readFileSync(join(root, file), 'utf8').matchAll(relativeImport)) {
      const spec = (m[1] ?? m[2]) as string;
      const target = relative(root, resolve(root, dirname(file), spec.replace(/\.js$/, '.ts'))).split('\\').join('/');
      // `./ui.js` may name `ui.tsx` just as well.
      if (known.has(target)) targets.push(target);
      else if (known.has(`${target}x`)) targets.push(`${target}x`);
    }
    graph.set(file, targets);
  }
  return graph;
}

/** The relative link targets in the "Where to change what" section of docs/architecture.md, as written. */
function mapLinks(): string[] {
  const doc = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8');
  const start = doc.indexOf('## Where to change what');
  if (start === -1) return [];
  const next = doc.indexOf('\n## ', start + 1);
  const section = doc.slice(start, next === -1 ? undefined : next);
  return [...section.matchAll(/\]\(([^)#\s]+)[^)]*\)/g)].map((m) => m[1] as string).filter((target) => !/^[a-z]+:/.test(target));
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

  it("links only to files that exist from docs/architecture.md's map", () => {
    const links = mapLinks();
    expect(links.length).toBeGreaterThan(0);
    expect(links.filter((target) => !existsSync(resolve(root, 'docs', target)))).toEqual([]);
  });

  it('builds each package.json entry point from a source file that lists its names (no export *) and that vitest resolves', () => {
    const vitestConfig = readFileSync(join(root, 'vitest.config.ts'), 'utf8');
    const problems: string[] = [];
    for (const pkg of readdirSync(join(root, 'packages'))) {
      const manifestPath = join(root, 'packages', pkg, 'package.json');
      if (!existsSync(manifestPath)) continue;
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { name: string; exports?: Record<string, { types: string; default: string }> };
      for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
        const name = subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`;
        const built = /^\.\/dist\/(.+)\.js$/.exec(target.default)?.[1];
        if (!built || target.types !== `./dist/${built}.d.ts`) {
          problems.push(`${name}: types and default name different files`);
          continue;
        }
        const source = join(root, 'packages', pkg, 'src', `${built}.ts`);
        if (!existsSync(source)) problems.push(`${name}: no source file src/${built}.ts`);
        else if (/^export \*/m.test(readFileSync(source, 'utf8'))) problems.push(`${name}: src/${built}.ts re-exports with export *`);
        // The packages' specs import each other from source (vitest.config.ts), the CLI excepted: it is run built.
        if (pkg !== 'cli' && !vitestConfig.includes(`'${name}': '${pkg}/src/${built}.ts'`)) problems.push(`${name}: no alias in vitest.config.ts`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('finds a circle when there is one, and none in a chain', () => {
    expect(circles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]]))).toEqual([['a', 'b', 'c', 'a']]);
    expect(circles(new Map([['a', ['b']], ['b', ['c']], ['c', []]]))).toEqual([]);
  });
});
