// The gate in front of every load: signature over the manifest, then the code's hash and size against it.
import type { KeyObject } from 'node:crypto';
import { ValidationError } from '@lucent/core';
import { parseManifest, type BundleManifest, type StoredBundle } from './bundleManifest.js';
import { BundleRejectedError } from './bundleRejectedError.js';
import { manifestSignatureValid, sha256Of } from './bundleSignature.js';

export interface VerifiedBundle {
  readonly id: string;
  readonly manifest: BundleManifest;
  readonly code: Uint8Array;
  readonly signature: string;
}

/**
 * Returns the bundle only when it is signed by `publicKey` and its bytes are the ones the manifest
 * names; otherwise throws BundleRejectedError. Nothing of the code is evaluated here.
 */
export function verifyBundle(bundle: StoredBundle, publicKey: KeyObject): VerifiedBundle {
  let manifest: BundleManifest;
  try {
    manifest = parseManifest(bundle.manifest);
  } catch (error) {
    const issues = error instanceof ValidationError ? error.issues : [];
    throw new BundleRejectedError(bundle.id, 'malformed-manifest', error instanceof Error ? error.message : String(error), issues);
  }
  if (bundle.signature === undefined || bundle.signature === '') {
    throw new BundleRejectedError(bundle.id, 'unsigned', 'no signature was stored with the bundle');
  }
  if (!manifestSignatureValid(manifest, bundle.signature, publicKey)) {
    throw new BundleRejectedError(bundle.id, 'bad-signature', 'the signature does not match the manifest and the configured public key');
  }
  // The manifest is authentic from here on; the id it names must be the one the store served.
  if (manifest.id !== bundle.id) {
    throw new BundleRejectedError(bundle.id, 'manifest-mismatch', `the signed manifest is for bundle ${manifest.id}`);
  }
  const actual = sha256Of(bundle.code);
  if (actual !== manifest.bundle.sha256 || bundle.code.byteLength !== manifest.bundle.bytes) {
    throw new BundleRejectedError(
      bundle.id,
      'hash-mismatch',
      `the code hashes to ${actual} (${bundle.code.byteLength} bytes), the signed manifest says ${manifest.bundle.sha256} (${manifest.bundle.bytes} bytes)`,
    );
  }
  return { id: bundle.id, manifest, code: bundle.code, signature: bundle.signature };
}
