// Message bodies: JSON bytes of an input or a reply, and the check that a reply has the shape a shard sends.
import type { RemoteReply } from '@lucent/runtime';

// Buffer rather than TextEncoder/TextDecoder: for the small strings of a call it skips a native
// round trip per message, which showed up at 64 calls in flight.
const fromBytes = (data: Uint8Array): string => Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');

const empty = new Uint8Array(0);

/** JSON bytes of a value; `undefined` travels as an empty body. */
export function encodeJson(value: unknown): Uint8Array {
  return value === undefined ? empty : Buffer.from(JSON.stringify(value), 'utf8');
}

/** The value of a JSON body; an empty body is `undefined`. */
export function decodeJson(data: Uint8Array): unknown {
  return data.length === 0 ? undefined : (JSON.parse(fromBytes(data)) as unknown);
}

/** A Buffer over the same bytes (no copy), for slicing a body of several parts by byte counts. */
export function bufferView(data: Uint8Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Check a decoded reply has the shape a shard sends; anything else is the shard's fault, not the function's. */
export function asReply(value: unknown): RemoteReply | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as { ok?: unknown; events?: unknown; version?: unknown; error?: { code?: unknown; message?: unknown } };
  // `version` is optional (older shards send none); a malformed one is dropped rather than failing the call.
  if (r.ok === true && Array.isArray(r.events)) {
    if (r.version === undefined || typeof r.version === 'string') return value as RemoteReply;
    const { version: _ignored, ...rest } = r;
    return rest as RemoteReply;
  }
  if (r.ok === false && typeof r.error?.code === 'string' && typeof r.error.message === 'string') return value as RemoteReply;
  return undefined;
}
