// The signed description of a published bundle: what it contains, its hash, and when it was published.
import { canonicalJson, ValidationError, type FieldIssue } from '@lucent/core';

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

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parse and shape-check manifest text; throws ValidationError naming the first bad field. */
export function parseManifest(text: string): BundleManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ValidationError('config', 'bundle manifest', [{ path: '', message: 'not JSON' }]);
  }
  const issues: FieldIssue[] = [];
  const need = (ok: boolean, path: string, message: string): void => {
    if (!ok) issues.push({ path, message });
  };
  if (!isRecord(value)) throw new ValidationError('config', 'bundle manifest', [{ path: '', message: 'not an object' }]);
  need(value['format'] === bundleFormat, 'format', `must be ${bundleFormat}`);
  need(typeof value['id'] === 'string' && isBundleId(value['id']), 'id', 'must be a safe bundle id');
  need(typeof value['publishedAt'] === 'number' && Number.isFinite(value['publishedAt']), 'publishedAt', 'must be epoch ms');
  const bundle = value['bundle'];
  need(isRecord(bundle) && typeof bundle['sha256'] === 'string' && hashPattern.test(bundle['sha256']), 'bundle.sha256', 'must be sha256:<64 hex>');
  need(isRecord(bundle) && Number.isInteger(bundle['bytes']), 'bundle.bytes', 'must be an integer');
  const fns = value['functions'];
  need(Array.isArray(fns) && fns.length > 0, 'functions', 'must list at least one function');
  if (Array.isArray(fns)) {
    fns.forEach((f: unknown, i) => {
      const ok =
        isRecord(f) &&
        typeof f['name'] === 'string' &&
        typeof f['version'] === 'string' &&
        isRecord(f['fingerprint']) &&
        typeof f['fingerprint']['input'] === 'string' &&
        typeof f['fingerprint']['output'] === 'string';
      need(ok, `functions.${i}`, 'must be { name, version, fingerprint: { input, output } }');
    });
  }
  if (issues.length > 0) throw new ValidationError('config', 'bundle manifest', issues);
  return value as unknown as BundleManifest;
}
