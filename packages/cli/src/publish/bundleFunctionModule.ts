// Builds a signed Lucent bundle from a function module: esbuild to one ESM file, then a manifest and its signature.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { functionsOf, isFunctionDefinition, type AnyFunctionDefinition } from '@lucent/core';
import {
  bundleFormat,
  bundleIdFor,
  sha256Of,
  signManifest,
  type BundledFunction,
  type BundleManifest,
  type StoredBundle,
} from '@lucent/runtime';
import type { KeyObject } from 'node:crypto';
import { fingerprint } from '../generate/generateRegistry.js';

/**
 * The bundle's entry: the user's module plus the pieces of @lucent/core a worker needs to run it.
 * @lucent/core is bundled in (not external): a worker imports the bundle from memory, where no
 * node_modules resolve, and the function runs against the core it was built and tested with.
 */
function entrySource(modulePath: string): string {
  return [
    `import * as module from ${JSON.stringify(modulePath)};`,
    `import { InvocationContext, functionsOf, validate } from '@lucent/core';`,
    `export const lucentBundle = Object.freeze({ format: ${JSON.stringify(bundleFormat)}, module, runtime: { InvocationContext, functionsOf, validate } });`,
    '',
  ].join('\n');
}

/** Bundled CommonJS dependencies may `require` node built-ins; give them a require that can. */
const requireShim = "import { createRequire as __lucentCreateRequire } from 'node:module'; const require = __lucentCreateRequire('/');";

export async function bundleModule(modulePath: string): Promise<Uint8Array> {
  const abs = path.resolve(modulePath);
  const result = await build({
    stdin: { contents: entrySource(abs), resolveDir: path.dirname(abs), sourcefile: 'lucent-bundle-entry.js', loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    write: false,
    banner: { js: requireShim },
    legalComments: 'none',
    logLevel: 'silent',
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error(`esbuild produced no output for ${modulePath}`);
  return file.contents;
}

interface BundleExports {
  readonly lucentBundle?: { readonly module: Record<string, unknown> };
}

/** Import the built bundle (the exact bytes to be signed) and describe the functions it defines. */
export async function describeBundle(code: Uint8Array): Promise<BundledFunction[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lucent-publish-'));
  try {
    const file = path.join(dir, 'bundle.mjs');
    await writeFile(file, code);
    const exported = (await import(pathToFileURL(file).href)) as BundleExports;
    const defs: AnyFunctionDefinition[] = [];
    for (const value of Object.values(exported.lucentBundle?.module ?? {})) {
      if (isFunctionDefinition(value)) defs.push(value);
      else if (typeof value === 'function') defs.push(...functionsOf(value as abstract new () => unknown));
    }
    return defs
      .map((d) => ({
        name: d.name,
        version: d.version,
        fingerprint: { input: fingerprint(d.input, 'input').hash, output: fingerprint(d.output, 'output').hash },
      }))
      .sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface BuiltBundle {
  readonly bundle: StoredBundle;
  readonly manifest: BundleManifest;
}

/** Bundle, describe, hash and sign a module; `publishedAt` comes from the caller's clock. */
export async function buildSignedBundle(modulePath: string, key: KeyObject, publishedAt: number): Promise<BuiltBundle> {
  const code = await bundleModule(modulePath);
  const functions = await describeBundle(code);
  if (functions.length === 0) throw new Error(`${modulePath} exports no Lucent function (defineFunction or @LucentFunction)`);
  const sha256 = sha256Of(code);
  const manifest: BundleManifest = {
    format: bundleFormat,
    id: bundleIdFor(functions, sha256),
    functions,
    bundle: { sha256, bytes: code.byteLength },
    publishedAt,
    source: path.basename(modulePath),
  };
  const signature = signManifest(manifest, key);
  return { manifest, bundle: { id: manifest.id, code, manifest: JSON.stringify(manifest, null, 2), signature } };
}
