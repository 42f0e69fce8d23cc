// ed25519 keys, signing and verification of bundle manifests, with node:crypto only.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { manifestSigningBytes, type BundleManifest } from './bundleManifest.js';

export interface SigningKeyPair {
  /** PKCS#8 PEM. Keep it secret: whoever holds it can publish code every node will run. */
  readonly privateKeyPem: string;
  /** SPKI PEM; nodes are configured with it. */
  readonly publicKeyPem: string;
}

export function generateSigningKeyPair(): SigningKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

function ed25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new TypeError(`${what} must be an ed25519 key, got ${key.asymmetricKeyType ?? key.type}`);
  }
  return key;
}

export function privateSigningKey(pem: string | KeyObject): KeyObject {
  return ed25519(typeof pem === 'string' ? createPrivateKey(pem) : pem, 'The signing key');
}

/** Accepts a public key PEM, or a private key PEM (its public half is used). */
export function publicVerifyKey(pem: string | KeyObject): KeyObject {
  if (typeof pem !== 'string') return ed25519(pem.type === 'private' ? createPublicKey(pem) : pem, 'The verify key');
  return ed25519(createPublicKey(pem), 'The verify key');
}

export function sha256Of(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Base64 ed25519 signature over the canonical manifest. */
export function signManifest(manifest: BundleManifest, key: KeyObject): string {
  return sign(null, manifestSigningBytes(manifest), key).toString('base64');
}

export function manifestSignatureValid(manifest: BundleManifest, signature: string, key: KeyObject): boolean {
  const bytes = Buffer.from(signature, 'base64');
  // ed25519 signatures are exactly 64 bytes; anything else is not worth handing to verify().
  if (bytes.length !== 64) return false;
  return verify(null, manifestSigningBytes(manifest), key, bytes);
}
