// How a Lucent call and its reply are laid out in NATS messages: metadata in headers, input and reply as JSON bodies.
import { ValidationError, type BusinessMetadata, type FieldIssue } from '@lucent/core';
import type { RemoteCall, RemoteReply } from '@lucent/runtime';
import type { Msg, MsgHdrs } from 'nats';

/**
 * Header names. Lower case, so any client (or `nats pub -H`) can set them without guessing the case.
 * `call` packs the five fields every call has — `<function> <deadline> <attempt> <now|-> <correlation id>` —
 * into one line; the shard reads it when present and the spelled-out headers otherwise.
 */
export const header = {
  call: 'lucent-call',
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

// Calls made in the same millisecond share their clock reading and usually their deadline: the
// last conversion of each is kept, as printing a 13-digit number showed up in the header's cost.
let lastDeadline = Number.NaN;
let lastDeadlineText = '';
let lastNow = Number.NaN;
let lastNowText = '';

function deadlineText(deadline: number): string {
  if (deadline !== lastDeadline) {
    lastDeadline = deadline;
    lastDeadlineText = String(deadline);
  }
  return lastDeadlineText;
}

function nowText(now: number | undefined): string {
  if (now === undefined) return '-';
  if (now !== lastNow) {
    lastNow = now;
    lastNowText = String(now);
  }
  return lastNowText;
}

/**
 * The header block of a call. The fields every call has go packed on one `lucent-call` line (the
 * correlation id last, so it may hold spaces): one line to write and to read instead of five cut
 * the shard's header parsing by more than half. A function name with a space cannot be packed and
 * goes spelled out, as do the optional fields (version, causation id, traceparent, business).
 */
export function encodeCallHeaders(call: RemoteCall): MsgHdrs {
  let block: string;
  if (call.name.length > 0 && call.name.indexOf(' ') < 0) {
    block = `NATS/1.0\r\n${line(header.call, `${call.name} ${deadlineText(call.deadline)} ${call.attempt} ${nowText(call.now)} ${call.correlationId}`)}`;
  } else {
    block = 'NATS/1.0\r\n';
    block += line(header.function, call.name);
    block += `${header.deadline}: ${call.deadline}\r\n`;
    block += line(header.correlationId, call.correlationId);
    block += `${header.attempt}: ${call.attempt}\r\n`;
    if (call.now !== undefined) block += `${header.now}: ${call.now}\r\n`;
  }
  if (call.version !== undefined) block += line(header.version, call.version);
  if (call.causationId !== undefined) block += line(header.causationId, call.causationId);
  if (call.traceparent !== undefined) block += line(header.traceparent, call.traceparent);
  if (call.business !== undefined) block += line(header.business, JSON.stringify(call.business));
  return new CallHeaders(`${block}\r\n`) as unknown as MsgHdrs;
}

/** The five always-present fields, as text, from the packed line or the spelled-out headers. */
interface CoreFields {
  readonly name: string | undefined;
  readonly deadline: string | undefined;
  readonly attempt: string | undefined;
  readonly now: string | undefined;
  readonly correlationId: string | undefined;
}

function unpack(packed: string): CoreFields | undefined {
  const a = packed.indexOf(' ');
  const b = packed.indexOf(' ', a + 1);
  const c = packed.indexOf(' ', b + 1);
  const d = packed.indexOf(' ', c + 1);
  // Every part before the correlation id is non-empty (a doubled space would read as a zero).
  if (a <= 0 || b <= a + 1 || c <= b + 1 || d <= c + 1) return undefined;
  const now = packed.slice(c + 1, d);
  return {
    name: packed.slice(0, a),
    deadline: packed.slice(a + 1, b),
    attempt: packed.slice(b + 1, c),
    now: now === '-' ? undefined : now,
    correlationId: packed.slice(d + 1),
  };
}

export type HeaderRecord = Record<string, string | undefined>;

/** Any MsgHdrs as a plain record (first value of each key), read in one pass. */
function headerRecord(h: MsgHdrs): HeaderRecord {
  const out: HeaderRecord = {};
  for (const [k, values] of h) out[k] = values[0];
  return out;
}

/** The raw bytes of a received nats.js message, when its (typed, public) fields expose them. */
interface RawMsg {
  readonly _msg?: { readonly hdr?: number; readonly subject?: Uint8Array };
  readonly _rdata?: Uint8Array;
}

/** The whole received message (header block and body) as one Buffer view, or undefined for a message of another shape. */
function rawView(msg: Msg): { readonly view: Buffer; readonly headerSize: number } | undefined {
  const raw = msg as unknown as RawMsg;
  const size = raw._msg?.hdr;
  const data = raw._rdata;
  if (typeof size !== 'number' || !(data instanceof Uint8Array)) return undefined;
  return { view: Buffer.from(data.buffer, data.byteOffset, data.byteLength), headerSize: size };
}

/** `key: value` lines of a header block (after its version line) as a record, first value of each key. */
function parseBlock(block: string): HeaderRecord {
  const out: HeaderRecord = {};
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

/**
 * A received call: its headers and JSON body read through one view of the message's bytes
 * (nats.js's `data` getter and a second view per message showed up at 64 calls in flight).
 * nats.js parses a header block into a validated Map and filters its key list on every `get`;
 * for the few lines of a call, reading the block directly cost a quarter of a shard's time per
 * message less. Messages of another shape (a future client) fall back to the public API.
 * Throws a ValidationError naming every header or body problem.
 */
export function readCall(msg: Msg): RemoteCall {
  const raw = rawView(msg);
  if (raw === undefined) return decodeCall(msg.headers === undefined ? undefined : headerRecord(msg.headers), msg.data);
  const { view, headerSize } = raw;
  const bodyAt = headerSize < 0 ? 0 : headerSize;
  const headers = headerSize < 0 ? undefined : parseBlock(view.toString('utf8', 0, headerSize));
  return decodeCall(headers, bodyAt === view.length ? '' : view.toString('utf8', bodyAt));
}

/** The JSON body of a received reply (its headers, if any, skipped), read through one view. */
export function readJsonBody(msg: Msg): unknown {
  const raw = rawView(msg);
  if (raw === undefined) return decodeJson(msg.data);
  const bodyAt = raw.headerSize < 0 ? 0 : raw.headerSize;
  return bodyAt === raw.view.length ? undefined : (JSON.parse(raw.view.toString('utf8', bodyAt)) as unknown);
}

/**
 * The number a reply subject ends with after `inboxLength` characters (base 36, as `request`
 * writes it), read from the subject's raw bytes; NaN when it is not one. Decoding the whole
 * subject into a string per reply only to cut its tail off cost more than matching the reply.
 */
export function replyNumber(msg: Msg, inboxLength: number): number {
  const bytes = (msg as unknown as RawMsg)._msg?.subject;
  if (!(bytes instanceof Uint8Array)) return parseReplyNumber(msg.subject, inboxLength);
  if (bytes.length <= inboxLength) return Number.NaN;
  let n = 0;
  for (let i = inboxLength; i < bytes.length; i++) {
    const c = bytes[i]!;
    const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 122 ? c - 87 : -1;
    if (digit < 0) return Number.NaN;
    n = n * 36 + digit;
  }
  return n;
}

function parseReplyNumber(subject: string, inboxLength: number): number {
  const tail = subject.slice(inboxLength);
  return /^[0-9a-z]+$/.test(tail) ? Number.parseInt(tail, 36) : Number.NaN;
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
export function decodeCall(r: HeaderRecord | undefined, data: Uint8Array | string): RemoteCall {
  if (r === undefined) throw malformed([{ path: 'headers', message: `a Lucent call needs the ${header.function} header and friends` }]);
  const issues: FieldIssue[] = [];
  const packed = r[header.call];
  let fields: CoreFields | undefined;
  if (packed !== undefined) {
    fields = unpack(packed);
    if (fields === undefined) issues.push({ path: header.call, message: 'must be "<function> <deadline> <attempt> <now or -> <correlation id>"' });
  }
  fields ??= {
    name: r[header.function],
    deadline: r[header.deadline],
    attempt: r[header.attempt],
    now: r[header.now],
    correlationId: r[header.correlationId],
  };
  const name = fields.name ?? '';
  if (!name) issues.push({ path: header.function, message: 'the function name is required' });
  const deadline = Number(fields.deadline);
  if (fields.deadline === undefined || !Number.isFinite(deadline)) issues.push({ path: header.deadline, message: 'an epoch-ms deadline is required' });
  const correlationId = fields.correlationId ?? '';
  if (!correlationId) issues.push({ path: header.correlationId, message: 'a correlation id is required' });
  const attempt = fields.attempt === undefined ? 1 : Number(fields.attempt);
  if (!Number.isInteger(attempt) || attempt < 1) issues.push({ path: header.attempt, message: 'must be a positive integer' });
  const now = fields.now === undefined ? undefined : Number(fields.now);
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
    input = typeof data === 'string' ? (data.length === 0 ? undefined : (JSON.parse(data) as unknown)) : decodeJson(data);
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
