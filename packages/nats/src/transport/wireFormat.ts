// How a Lucent call and its reply are laid out in NATS messages: metadata in headers, input and reply as JSON bodies.
import { ValidationError, type BusinessMetadata, type FieldIssue } from '@lucent/core';
import type { RemoteCall, RemoteReply } from '@lucent/runtime';
import type { Msg, MsgHdrs } from 'nats';

/** Header names. Lower case, so any client (or `nats pub -H`) can set them without guessing the case. */
export const header = {
  function: 'lucent-function',
  version: 'lucent-version',
  deadline: 'lucent-deadline',
  correlationId: 'lucent-correlation-id',
  causationId: 'lucent-causation-id',
  traceparent: 'traceparent',
  attempt: 'lucent-attempt',
  now: 'lucent-now',
  business: 'lucent-business',
} as const;

// Buffer rather than TextEncoder/TextDecoder: for the small strings of a call it skips a native
// round trip per message, which showed up at 64 calls in flight.
const toBytes = (text: string): Uint8Array => Buffer.from(text, 'utf8');
const fromBytes = (data: Uint8Array): string => Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');

/** `<prefix>.shard.<id>.call`: each shard listens on its own subject, so the caller's router, not the broker, picks the shard. */
export const callSubject = (prefix: string, shardId: string): string => `${prefix}.shard.${shardId}.call`;
/** `<prefix>.load`: every shard's load reports; every caller listens. */
export const loadSubject = (prefix: string): string => `${prefix}.load`;

const crlf = /[\r\n]/;

/** A header value must stay on its line; a CR or LF in it would let a caller forge other headers. */
function line(name: string, value: string): string {
  if (crlf.test(value)) throw new Error(`${name} must not contain a line break`);
  return `${name}: ${value}\r\n`;
}

/**
 * A call's header block, written in NATS's wire syntax in one string. Publishing only asks a
 * header object for `encode()`; building nats.js's general MsgHdrs (key checks, a Map, one
 * lookup per set) cost as much as the rest of the call on the 64-in-flight benchmark.
 */
class CallHeaders {
  constructor(private readonly block: string) {}

  encode(): Uint8Array {
    return toBytes(this.block);
  }
}

export function encodeCallHeaders(call: RemoteCall): MsgHdrs {
  let block = 'NATS/1.0\r\n';
  block += line(header.function, call.name);
  block += `${header.deadline}: ${call.deadline}\r\n`;
  block += line(header.correlationId, call.correlationId);
  block += `${header.attempt}: ${call.attempt}\r\n`;
  if (call.version !== undefined) block += line(header.version, call.version);
  if (call.causationId !== undefined) block += line(header.causationId, call.causationId);
  if (call.traceparent !== undefined) block += line(header.traceparent, call.traceparent);
  if (call.now !== undefined) block += `${header.now}: ${call.now}\r\n`;
  if (call.business !== undefined) block += line(header.business, JSON.stringify(call.business));
  return new CallHeaders(`${block}\r\n`) as unknown as MsgHdrs;
}

export type HeaderRecord = Record<string, string | undefined>;

/** Any MsgHdrs as a plain record (first value of each key), read in one pass. */
function headerRecord(h: MsgHdrs): HeaderRecord {
  const out: HeaderRecord = {};
  for (const [k, values] of h) out[k] = values[0];
  return out;
}

/** The raw header block of a received nats.js message, when its (typed, public) fields expose it. */
interface RawMsg {
  readonly _msg?: { readonly hdr?: number };
  readonly _rdata?: Uint8Array;
}

/**
 * A message's headers as a plain record, or undefined when it has none. nats.js parses a header
 * block into a validated Map and filters its key list on every `get`; for the few lines of a
 * call, reading the block directly cost a quarter of a shard's time per message less. Messages
 * of another shape (a future client) fall back to the public `headers` API.
 */
export function readHeaders(msg: Msg): HeaderRecord | undefined {
  const raw = msg as unknown as RawMsg;
  const size = raw._msg?.hdr;
  const data = raw._rdata;
  if (typeof size !== 'number' || !(data instanceof Uint8Array)) return msg.headers === undefined ? undefined : headerRecord(msg.headers);
  if (size < 0) return undefined;
  const block = Buffer.from(data.buffer, data.byteOffset, size).toString('utf8');
  const out: HeaderRecord = {};
  // The first line is the version (and status code); then `key: value` lines up to an empty one.
  let at = block.indexOf('\r\n') + 2;
  while (at > 1 && at < block.length) {
    const end = block.indexOf('\r\n', at);
    const stop = end < 0 ? block.length : end;
    if (stop === at) break;
    const colon = block.indexOf(':', at);
    if (colon > at && colon < stop) {
      const key = block.slice(at, colon);
      if (out[key] === undefined) out[key] = block.slice(colon + 1, stop).trim();
    }
    at = stop + 2;
  }
  return out;
}

const empty = new Uint8Array(0);

/** JSON bytes of a value; `undefined` travels as an empty body. */
export function encodeJson(value: unknown): Uint8Array {
  return value === undefined ? empty : toBytes(JSON.stringify(value));
}

export function decodeJson(data: Uint8Array): unknown {
  return data.length === 0 ? undefined : (JSON.parse(fromBytes(data)) as unknown);
}

function malformed(issues: FieldIssue[]): ValidationError {
  return new ValidationError('command', 'remote call', issues);
}

/** Read a call from a message, or throw a ValidationError naming every header or body problem. */
export function decodeCall(r: HeaderRecord | undefined, data: Uint8Array): RemoteCall {
  if (r === undefined) throw malformed([{ path: 'headers', message: `a Lucent call needs the ${header.function} header and friends` }]);
  const issues: FieldIssue[] = [];
  const name = r[header.function] ?? '';
  if (!name) issues.push({ path: header.function, message: 'the function name is required' });
  const deadline = Number(r[header.deadline]);
  if (r[header.deadline] === undefined || !Number.isFinite(deadline)) issues.push({ path: header.deadline, message: 'an epoch-ms deadline is required' });
  const correlationId = r[header.correlationId] ?? '';
  if (!correlationId) issues.push({ path: header.correlationId, message: 'a correlation id is required' });
  const attempt = r[header.attempt] === undefined ? 1 : Number(r[header.attempt]);
  if (!Number.isInteger(attempt) || attempt < 1) issues.push({ path: header.attempt, message: 'must be a positive integer' });
  const now = r[header.now] === undefined ? undefined : Number(r[header.now]);
  if (now !== undefined && !Number.isFinite(now)) issues.push({ path: header.now, message: 'must be epoch ms' });
  let business: BusinessMetadata | undefined;
  const businessJson = r[header.business];
  if (businessJson !== undefined) {
    try {
      const parsed = JSON.parse(businessJson) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      business = parsed as BusinessMetadata;
    } catch (error) {
      issues.push({ path: header.business, message: `must be a JSON object (${(error as Error).message})` });
    }
  }
  let input: unknown;
  try {
    input = decodeJson(data);
  } catch (error) {
    issues.push({ path: 'body', message: `the input is not JSON (${(error as Error).message})` });
  }
  if (issues.length > 0) throw malformed(issues);
  const version = r[header.version];
  const causationId = r[header.causationId];
  const traceparent = r[header.traceparent];
  // Built field by field: this runs once per call on every shard, and spreads allocate.
  const call: { -readonly [K in keyof RemoteCall]: RemoteCall[K] } = { name, input, deadline, correlationId, attempt };
  if (version) call.version = version;
  if (causationId) call.causationId = causationId;
  if (traceparent) call.traceparent = traceparent;
  if (business !== undefined) call.business = business;
  if (now !== undefined) call.now = now;
  return call;
}

/** Check a decoded reply has the shape a shard sends; anything else is the shard's fault, not the function's. */
export function asReply(value: unknown): RemoteReply | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as { ok?: unknown; events?: unknown; error?: { code?: unknown; message?: unknown } };
  if (r.ok === true && Array.isArray(r.events)) return value as RemoteReply;
  if (r.ok === false && typeof r.error?.code === 'string' && typeof r.error.message === 'string') return value as RemoteReply;
  return undefined;
}
