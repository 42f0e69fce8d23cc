// Test support: bundles TypeScript that a child process or a worker thread must run, with workspace packages from source.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));
const coreSource = `${root}packages/core/src/index.ts`;

// @lucent/* from source (as vitest aliases them); every other bare import stays external and
// resolves from the workspace's node_modules next to the bundle.
const lucentSources: Plugin = {
  name: 'lucent-sources',
  setup(b) {
    b.onResolve({ filter: /^@lucent\/[a-z]+$/ }, (args) => ({ path: `${root}packages/${args.path.slice(8)}/src/index.ts` }));
    b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@lucent/') ? undefined : { path: args.path, external: true }));
  },
};

const common = { bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'error' } as const;

/**
 * Bundle a child-process entry into one .mjs under node_modules/.cache, so it starts with plain
 * node in well under a second (through vite-node every child transformed the whole source tree:
 * ~5 s each on a loaded machine). Returns the file and a function that deletes it.
 */
export async function bundleChildProcess(entry: string): Promise<{ readonly file: string; readonly remove: () => void }> {
  const name = entry.replace(/^.*\//, '').replace(/\.ts$/, '');
  const file = `${root}node_modules/.cache/lucent-test-bundles/${name}-${randomBytes(4).toString('hex')}.mjs`;
  await build({ ...common, entryPoints: [entry], outfile: file, plugins: [lucentSources] });
  return { file, remove: () => rmSync(file, { force: true }) };
}

/**
 * Worker threads load JavaScript: bundle the heavy-function pool's worker entry and a functions
 * module into `dir` (fully bundled, @lucent/core from source), as production loads the built
 * dist/workers/heavyWorker.js and the service's built registry.
 */
export async function bundleWorkerFiles(
  dir: string,
  registryEntry: string,
): Promise<{ readonly workerFile: string; readonly registryModule: string }> {
  const selfContained = { ...common, logLevel: 'silent', alias: { '@lucent/core': coreSource } } as const;
  const workerFile = join(dir, 'heavyWorker.mjs');
  const registryModule = join(dir, 'functions.mjs');
  await Promise.all([
    build({ ...selfContained, entryPoints: [`${root}packages/runtime/src/workers/heavyWorker.ts`], outfile: workerFile }),
    build({ ...selfContained, entryPoints: [registryEntry], outfile: registryModule }),
  ]);
  return { workerFile, registryModule };
}
