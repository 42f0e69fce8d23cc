// One-blob form of a stored bundle (for object stores): a JSON header line, then the raw code bytes.
import { toFieldIssues, type FieldIssue } from '@lucent/core';
import { z } from 'zod';
import { isBundleId, type StoredBundle } from './bundleManifest.js';
import { BundleRejectedError } from './bundleRejectedError.js';

const magic = 'LUCENTBUNDLE1';

/**
 * The header as a schema. Whoever can write to the object store can write this blob, so nothing in
 * it is trusted before it parses here; the manifest text is checked (and its signature) by verifyBundle.
 */
export const BundleEnvelopeHeader = z.object(
  {
    id: z.string({ error: 'must be a safe bundle id' }).refine(isBundleId, { error: 'must be a safe bundle id' }),
    manifest: z.string({ error: 'must be the manifest JSON as a string' }),
    signature: z.string({ error: 'must be a base64 signature' }).optional(),
  },
  { error: 'must be a JSON object { id, manifest, signature? }' },
);

type EnvelopeHeader = z.output<typeof BundleEnvelopeHeader>;

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

/**
 * Split a blob into the stored bundle; a blob that is not one is refused with BundleRejectedError
 * (`malformed-envelope`) naming the header field. `storedAs` is the object's name, used in the refusal.
 */
export function decodeBundleEnvelope(bytes: Uint8Array, storedAs = '(unnamed blob)'): StoredBundle {
  const refuse = (issues: FieldIssue[]): never => {
    const first = issues[0];
    throw new BundleRejectedError(storedAs, 'malformed-envelope', `${first?.path || '(header)'}: ${first?.message ?? 'invalid'}`, issues);
  };
  const newline = bytes.indexOf(0x0a);
  const headText = newline < 0 ? '' : new TextDecoder().decode(bytes.subarray(0, newline));
  if (!headText.startsWith(`${magic} `)) return refuse([{ path: '', message: `must start with a "${magic}" header line` }]);
  let json: unknown;
  try {
    json = JSON.parse(headText.slice(magic.length + 1));
  } catch {
    return refuse([{ path: '', message: 'the header is not JSON' }]);
  }
  const parsed = BundleEnvelopeHeader.safeParse(json);
  if (!parsed.success) return refuse(toFieldIssues(parsed.error.issues));
  const header = parsed.data;
  const code = bytes.slice(newline + 1);
  return header.signature === undefined
    ? { id: header.id, manifest: header.manifest, code }
    : { id: header.id, manifest: header.manifest, signature: header.signature, code };
}
