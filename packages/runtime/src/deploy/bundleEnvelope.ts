// One-blob form of a stored bundle (for object stores): a JSON header line, then the raw code bytes.
import { LucentError } from '@lucent/core';
import type { StoredBundle } from './bundleManifest.js';

const magic = 'LUCENTBUNDLE1';

interface EnvelopeHeader {
  readonly id: string;
  readonly manifest: string;
  readonly signature?: string;
}

export function encodeBundleEnvelope(bundle: StoredBundle): Uint8Array {
  const header: EnvelopeHeader =
    bundle.signature === undefined
      ? { id: bundle.id, manifest: bundle.manifest }
      : { id: bundle.id, manifest: bundle.manifest, signature: bundle.signature };
  // JSON.stringify escapes newlines inside strings, so the first raw newline ends the header.
  const head = new TextEncoder().encode(`${magic} ${JSON.stringify(header)}\n`);
  const out = new Uint8Array(head.byteLength + bundle.code.byteLength);
  out.set(head, 0);
  out.set(bundle.code, head.byteLength);
  return out;
}

export function decodeBundleEnvelope(bytes: Uint8Array): StoredBundle {
  const newline = bytes.indexOf(0x0a);
  const headText = newline < 0 ? '' : new TextDecoder().decode(bytes.subarray(0, newline));
  if (!headText.startsWith(`${magic} `)) throw new LucentError('VALIDATION_FAILED', 'Not a Lucent bundle envelope');
  const header = JSON.parse(headText.slice(magic.length + 1)) as EnvelopeHeader;
  const code = bytes.slice(newline + 1);
  return header.signature === undefined
    ? { id: header.id, manifest: header.manifest, code }
    : { id: header.id, manifest: header.manifest, signature: header.signature, code };
}
