// The signed description of a published bundle: what it contains, its hash, and when it was published.
import { canonicalJson, toFieldIssues, ValidationError } from '@lucent/core';
import { z } from 'zod';

/** Same shape as the registry's ContractFingerprint: sha256 of each contract's JSON Schema. */
export interface BundleFingerprint {
  readonly input: string;
  readonly output: string;
}

export const bundleFormat = 'lucent.bundle/1';

export interface BundledFunction {
  readonly name: string;
  readonly version: string;
  readonly fingerprint: BundleFingerprint;
}

export interface BundleManifest {
  readonly format: typeof bundleFormat;
  /** Store key of the bundle: `<first function>-<version>-<first 12 hex of the hash>`, safe as a file or object name. */
  readonly id: string;
  /** Sorted by name, then version. */
  readonly functions: readonly BundledFunction[];
  /** sha256 of the bundle's code bytes, `sha256:<hex>`. */
  readonly bundle: { readonly sha256: string; readonly bytes: number };
  /** Epoch ms on the publisher's clock. */
  readonly publishedAt: number;
  /** The module the bundle was built from, for operators reading `registry show`; not trusted for anything. */
  readonly source?: string;
}

/** A bundle as a store holds it: the code bytes, the manifest text and the detached signature. */
export interface StoredBundle {
  readonly id: string;
  readonly code: Uint8Array;
  /** Manifest JSON exactly as published. */
  readonly manifest: string;
  /** Base64 ed25519 signature over the canonical manifest; absent for an unsigned bundle. */
  readonly signature?: string;
}

/** The bytes a signature covers: canonical JSON (sorted keys), so formatting cannot change what was signed. */
export function manifestSigningBytes(manifest: BundleManifest): Uint8Array {
  return new TextEncoder().encode(canonicalJson(manifest));
}

const idPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;
const hashPattern = /^sha256:[0-9a-f]{64}$/;

export function isBundleId(id: string): boolean {
  return idPattern.test(id) && !id.includes('..');
}

export function bundleIdFor(functions: readonly BundledFunction[], sha256: string): string {
  const first = functions[0];
  const head = first ? `${first.name}-${first.version}` : 'empty';
  return `${head}-${sha256.slice('sha256:'.length, 'sha256:'.length + 12)}`.replace(/[^A-Za-z0-9._-]/g, '_');
}

const functionMessage = 'must be { name, version, fingerprint: { input, output } }';
const text = z.string({ error: functionMessage }).min(1, { error: functionMessage });

/**
 * The manifest as a schema. Loose objects on purpose: the signature covers the manifest exactly as
 * published, so a field added by a newer publisher is kept (and verified), never silently dropped.
 */
export const BundleManifestSchema = z.looseObject(
  {
    format: z.literal(bundleFormat, { error: `must be ${bundleFormat}` }),
    id: z.string({ error: 'must be a safe bundle id' }).refine(isBundleId, { error: 'must be a safe bundle id' }),
    functions: z
      .array(
        z.looseObject(
          { name: text, version: text, fingerprint: z.looseObject({ input: text, output: text }, { error: functionMessage }) },
          { error: functionMessage },
        ),
        { error: 'must list at least one function' },
      )
      .min(1, { error: 'must list at least one function' }),
    bundle: z.looseObject(
      {
        sha256: z.string({ error: 'must be sha256:<64 hex>' }).regex(hashPattern, { error: 'must be sha256:<64 hex>' }),
        bytes: z.int({ error: 'must be a whole number of bytes' }).min(0, { error: 'must be a whole number of bytes' }),
      },
      { error: 'must be { sha256, bytes }' },
    ),
    publishedAt: z.number({ error: 'must be epoch ms' }).refine(Number.isFinite, { error: 'must be epoch ms' }),
    source: z.string({ error: 'must be a string' }).optional(),
  },
  { error: 'not an object' },
);

/** Parse and shape-check manifest text; throws ValidationError naming every bad field. */
export function parseManifest(text: string): BundleManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ValidationError('config', 'bundle manifest', [{ path: '', message: 'not JSON' }]);
  }
  const result = BundleManifestSchema.safeParse(value);
  if (!result.success) throw new ValidationError('config', 'bundle manifest', toFieldIssues(result.error.issues));
  return result.data;
}
