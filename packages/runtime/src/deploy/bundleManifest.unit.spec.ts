// A bundle's manifest and envelope are untrusted bytes from a store: a bad field is refused by name, a good bundle passes as published.
import { describe, expect, it } from 'vitest';
import { ValidationError } from '@lucent/core';
import { decodeBundleEnvelope, encodeBundleEnvelope } from './bundleEnvelope.js';
import { bundleFormat, bundleIdFor, parseManifest, type BundleManifest, type StoredBundle } from './bundleManifest.js';
import { BundleRejectedError } from './bundleRejectedError.js';
import { generateSigningKeyPair, privateSigningKey, publicVerifyKey, sha256Of, signManifest } from './bundleSignature.js';
import { verifyBundle } from './verifyBundle.js';

const keys = generateSigningKeyPair();
const code = new TextEncoder().encode('export const lucentBundle = {};');
const sha256 = sha256Of(code);
const functions = [{ name: 'demo.echo', version: '2.0.0', fingerprint: { input: 'sha256:in', output: 'sha256:out' } }];
const manifest: BundleManifest = { format: bundleFormat, id: bundleIdFor(functions, sha256), functions, bundle: { sha256, bytes: code.byteLength }, publishedAt: 1_700_000_000_000 };

function signedBundle(m: object): StoredBundle {
  return { id: manifest.id, code, manifest: JSON.stringify(m), signature: signManifest(m as BundleManifest, privateSigningKey(keys.privateKeyPem)) };
}

function issuesOf(text: string): readonly { path: string; message: string }[] {
  try {
    parseManifest(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues;
  }
  throw new Error('expected a ValidationError');
}

describe('parseManifest', () => {
  it('accepts a manifest as lucent publish writes it', () => {
    expect(parseManifest(JSON.stringify(manifest))).toEqual(manifest);
  });

  it('names every bad field', () => {
    const bad = { ...manifest, format: 'lucent.bundle/0', id: '../etc', bundle: { sha256: 'md5:1', bytes: 1.5 }, functions: [{ name: 'x' }], publishedAt: '2024' };
    expect(issuesOf(JSON.stringify(bad)).map((i) => i.path)).toEqual([
      'format',
      'id',
      'functions.0.version',
      'functions.0.fingerprint',
      'bundle.sha256',
      'bundle.bytes',
      'publishedAt',
    ]);
    expect(issuesOf(JSON.stringify({ ...manifest, functions: [] }))).toEqual([{ path: 'functions', message: 'must list at least one function' }]);
    expect(issuesOf('[]')).toEqual([{ path: '', message: 'not an object' }]);
    expect(issuesOf('{')).toEqual([{ path: '', message: 'not JSON' }]);
  });

  it('keeps a field a newer publisher added, so the signature is checked over what was signed', () => {
    const newer = { ...manifest, builtWith: 'lucent 2' };
    expect(parseManifest(JSON.stringify(newer))).toMatchObject({ builtWith: 'lucent 2' });
    expect(verifyBundle(signedBundle(newer), publicVerifyKey(keys.publicKeyPem)).manifest).toMatchObject({ builtWith: 'lucent 2' });
  });

  it('turns a malformed manifest into BUNDLE_REJECTED naming the field, before the signature is looked at', () => {
    const bundle = signedBundle({ ...manifest, bundle: { sha256, bytes: -1 } });
    expect(() => verifyBundle(bundle, publicVerifyKey(keys.publicKeyPem))).toThrow(
      expect.objectContaining({ code: 'BUNDLE_REJECTED', reason: 'malformed-manifest', issues: [expect.objectContaining({ path: 'bundle.bytes' })] }),
    );
  });
});

describe('decodeBundleEnvelope', () => {
  const good = signedBundle(manifest);

  it('gives back exactly the bundle that was encoded', () => {
    expect(decodeBundleEnvelope(encodeBundleEnvelope(good))).toEqual(good);
    const { signature: _unsigned, ...unsigned } = good;
    expect(decodeBundleEnvelope(encodeBundleEnvelope(unsigned))).toEqual(unsigned);
  });

  const blob = (header: string): Uint8Array => new Uint8Array([...new TextEncoder().encode(`${header}\n`), ...code]);
  const refusal = (bytes: Uint8Array): BundleRejectedError => {
    try {
      decodeBundleEnvelope(bytes, 'stored-name');
    } catch (error) {
      expect(error).toBeInstanceOf(BundleRejectedError);
      return error as BundleRejectedError;
    }
    throw new Error('expected a BundleRejectedError');
  };

  it('refuses a blob that is not an envelope, or whose header fields are wrong, naming the field', () => {
    expect(refusal(code)).toMatchObject({ code: 'BUNDLE_REJECTED', reason: 'malformed-envelope', message: expect.stringContaining('stored-name') });
    expect(refusal(blob('LUCENTBUNDLE1 {nope')).issues).toEqual([{ path: '', message: 'the header is not JSON' }]);
    const fields = refusal(blob(`LUCENTBUNDLE1 ${JSON.stringify({ id: '../x', manifest: {}, signature: 7 })}`));
    expect(fields.issues.map((i) => i.path)).toEqual(['id', 'manifest', 'signature']);
    expect(fields.message).toContain('id: must be a safe bundle id');
  });
});
