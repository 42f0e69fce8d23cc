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

/** The five fields every call has, packed on one line: `<function> <deadline> <attempt> <now or -> <correlation id>`. */
function packedFields(call: RemoteCall): string {
  return `${call.name} ${deadlineText(call.deadline)} ${call.attempt} ${nowText(call.now)} ${call.correlationId}`;
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
    block = `NATS/1.0\r\n${line(header.call, packedFields(call))}`;
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

/** Visit each `key: value` line of a header block after its version line, in order, up to the blank line. */
function eachLine(block: string, visit: (key: string, value: string) => void): void {
  let at = block.indexOf('\r\n') + 2;
  while (at > 1 && at < block.length) {
    const end = block.indexOf('\r\n', at);
    const stop = end < 0 ? block.length : end;
    if (stop === at) break;
    const colon = block.indexOf(':', at);
    if (colon > at && colon < stop) visit(block.slice(at, colon), block.slice(colon + 1, stop).trim());
    at = stop + 2;
  }
}

/** A header block's lines as a record, first value of each key. */
function parseBlock(block: string): HeaderRecord {
  const out: HeaderRecord = {};
  eachLine(block, (key, value) => {
    if (out[key] === undefined) out[key] = value;
  });
  return out;
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

// ---------------------------------------------------------------------------------------------
// Batches. Calls for the same shard queued in the same event-loop turn leave as one message, and
// the replies a shard finishes in one turn for the same caller go back as one. Every call keeps
// its own header line (its metadata is in the header block, as for a single call); the bodies
// are the inputs (or replies) back to back, cut by the byte counts on those lines.
// ---------------------------------------------------------------------------------------------

/** Header names of a batch: one `lucent-batch-call` line per call, `lucent-batch-extra` for a call's optional fields. */
export const batchHeader = {
  call: 'lucent-batch-call',
  extra: 'lucent-batch-extra',
  reply: 'lucent-batch-reply',
} as const;

/** One call of an outgoing batch: its reply number, its input's bytes. */
export interface BatchedCall {
  readonly id: number;
  readonly call: RemoteCall;
  readonly body: Uint8Array;
}

/**
 * `lucent-batch-call: <id> <bytes> <function> <deadline> <attempt> <now or -> <correlation id>`:
 * the reply number (base 36), the input's length in bytes, then the single call's packed line.
 * A call with optional fields adds `lucent-batch-extra: <id> <JSON of version, causation id,
 * traceparent, business>`. Throws, as a single call's headers do, on a line break in a value.
 */
export function batchCallLines(c: BatchedCall): string {
  const { call } = c;
  if (call.name.length === 0 || call.name.indexOf(' ') >= 0) throw new Error(`${header.function} cannot be packed`);
  const id = c.id.toString(36);
  let lines = line(batchHeader.call, `${id} ${c.body.byteLength} ${packedFields(call)}`);
  if (call.version !== undefined || call.causationId !== undefined || call.traceparent !== undefined || call.business !== undefined) {
    const extra: BatchExtra = {};
    if (call.version !== undefined) extra.version = call.version;
    if (call.causationId !== undefined) extra.causationId = call.causationId;
    if (call.traceparent !== undefined) extra.traceparent = call.traceparent;
    if (call.business !== undefined) extra.business = call.business;
    // JSON escapes line breaks inside strings, so this line cannot be broken by a value.
    lines += `${batchHeader.extra}: ${id} ${JSON.stringify(extra)}\r\n`;
  }
  return lines;
}

interface BatchExtra {
  version?: string;
  causationId?: string;
  traceparent?: string;
  business?: BusinessMetadata;
}

/** A header block already written as text; nats.js only asks a header object for `encode()`. */
export function headerBlock(lines: string): MsgHdrs {
  return new CallHeaders(`NATS/1.0\r\n${lines}\r\n`) as unknown as MsgHdrs;
}

/** The header block of a batch reply: `lucent-batch-reply: <id>:<bytes> <id>:<bytes> …`, bodies back to back. */
export function batchReplyHeaders(ids: readonly string[], bodies: readonly Uint8Array[]): MsgHdrs {
  let value = '';
  for (let i = 0; i < ids.length; i++) value += `${i === 0 ? '' : ' '}${ids[i]}:${bodies[i]!.byteLength}`;
  return headerBlock(`${batchHeader.reply}: ${value}\r\n`);
}

/** One call read from a batch: its reply id (base 36, as sent) and the call, or why it cannot be run. */
export type BatchEntry =
  | { readonly id: string; readonly call: RemoteCall; readonly error?: undefined }
  | { readonly id: string; readonly call?: undefined; readonly error: ValidationError };

const base36 = /^[0-9a-z]{1,11}$/;

/** A header block's lines, every value kept, in order. */
function blockLines(block: string): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = [];
  eachLine(block, (key, value) => out.push([key, value]));
  return out;
}

/**
 * The calls of a batch, each read and checked as a single call is (a bad one becomes a
 * ValidationError for its own id; the others still run). A line whose id cannot be read cannot
 * be answered and is skipped; its caller's wait limit fails it over. A byte count that cannot be
 * read leaves the rest of the body unplaceable: those calls are answered with an error.
 */
function decodeBatch(lines: ReadonlyArray<readonly [string, string]>, body: Buffer, bodyAt: number): BatchEntry[] {
  const extras = new Map<string, string>();
  for (const [k, v] of lines) {
    if (k !== batchHeader.extra) continue;
    const space = v.indexOf(' ');
    if (space > 0) extras.set(v.slice(0, space), v.slice(space + 1));
  }
  const out: BatchEntry[] = [];
  let at = bodyAt;
  let lost = false;
  for (const [k, v] of lines) {
    if (k !== batchHeader.call) continue;
    const a = v.indexOf(' ');
    const b = v.indexOf(' ', a + 1);
    const id = a > 0 ? v.slice(0, a) : '';
    const size = a > 0 && b > a ? Number(v.slice(a + 1, b)) : Number.NaN;
    const fits = !lost && Number.isInteger(size) && size >= 0 && at + size <= body.length;
    if (!base36.test(id)) {
      if (fits) at += size;
      else lost = true;
      continue;
    }
    if (!fits) {
      lost = true;
      out.push({ id, error: malformed([{ path: batchHeader.call, message: 'the byte counts of the batch do not match its body' }]) });
      continue;
    }
    const text = body.toString('utf8', at, at + size);
    at += size;
    const record: HeaderRecord = { [header.call]: v.slice(b + 1) };
    try {
      const extra = extras.get(id);
      if (extra !== undefined) addExtra(record, extra);
      out.push({ id, call: decodeCall(record, text) });
    } catch (error) {
      out.push({ id, error: error instanceof ValidationError ? error : malformed([{ path: batchHeader.extra, message: String(error) }]) });
    }
  }
  return out;
}

function addExtra(record: HeaderRecord, json: string): void {
  const extra = JSON.parse(json) as unknown;
  if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) throw new Error('must be a JSON object');
  const e = extra as Record<string, unknown>;
  if (typeof e['version'] === 'string') record[header.version] = e['version'];
  if (typeof e['causationId'] === 'string') record[header.causationId] = e['causationId'];
  if (typeof e['traceparent'] === 'string') record[header.traceparent] = e['traceparent'];
  if (e['business'] !== undefined) record[header.business] = JSON.stringify(e['business']);
}

/** A received message on a shard's subject: one call, or the calls of a batch. */
export type Incoming = { readonly batch: false; readonly call: RemoteCall } | { readonly batch: true; readonly entries: BatchEntry[] };

/**
 * Read what arrived on a shard's subject: one call (throws a ValidationError naming every header
 * or body problem), or a batch, recognised by its `lucent-batch-call` lines. Headers and body are
 * read through one view of the message's bytes (nats.js's `data` getter and a second view per
 * message showed up at 64 calls in flight); nats.js parses a header block into a validated Map
 * and filters its key list on every `get`, and for the few lines of a call reading the block
 * directly cost a quarter of a shard's time per message less. Messages of another shape (a
 * future client) fall back to the public API.
 */
export function readIncoming(msg: Msg): Incoming {
  const raw = rawView(msg);
  if (raw === undefined) {
    const h = msg.headers;
    if (h === undefined || !h.has(batchHeader.call)) return { batch: false, call: decodeCall(h === undefined ? undefined : headerRecord(h), msg.data) };
    const lines: Array<readonly [string, string]> = [];
    for (const [k, values] of h) for (const v of values) lines.push([k, v]);
    const data = msg.data;
    return { batch: true, entries: decodeBatch(lines, Buffer.from(data.buffer, data.byteOffset, data.byteLength), 0) };
  }
  const { view, headerSize } = raw;
  if (headerSize < 0) return { batch: false, call: decodeCall(undefined, view.toString('utf8')) };
  const block = view.toString('utf8', 0, headerSize);
  if (block.indexOf(batchHeader.call) < 0) {
    return { batch: false, call: decodeCall(parseBlock(block), headerSize === view.length ? '' : view.toString('utf8', headerSize)) };
  }
  return { batch: true, entries: decodeBatch(blockLines(block), view, headerSize) };
}

/** One reply read from a batch reply: the reply number and the decoded JSON (or why it could not be read). */
export interface BatchReplyEntry {
  readonly id: number;
  readonly value: unknown;
  readonly unreadable: boolean;
}

/** The replies of a batch reply, or undefined when the message is not one. */
export function readBatchReply(msg: Msg): BatchReplyEntry[] | undefined {
  const raw = rawView(msg);
  let value: string | undefined;
  let view: Buffer;
  let bodyAt: number;
  if (raw !== undefined) {
    if (raw.headerSize < 0) return undefined;
    value = parseBlock(raw.view.toString('utf8', 0, raw.headerSize))[batchHeader.reply];
    view = raw.view;
    bodyAt = raw.headerSize;
  } else {
    value = msg.headers?.get(batchHeader.reply) || undefined;
    const data = msg.data;
    view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    bodyAt = 0;
  }
  if (value === undefined) return undefined;
  const out: BatchReplyEntry[] = [];
  let at = bodyAt;
  for (const part of value.split(' ')) {
    const colon = part.indexOf(':');
    const idText = part.slice(0, colon);
    const size = Number(part.slice(colon + 1));
    if (colon <= 0 || !base36.test(idText) || !Number.isInteger(size) || size < 0 || at + size > view.length) break;
    const id = Number.parseInt(idText, 36);
    let entry: BatchReplyEntry;
    try {
      entry = { id, value: size === 0 ? undefined : (JSON.parse(view.toString('utf8', at, at + size)) as unknown), unreadable: false };
    } catch {
      entry = { id, value: undefined, unreadable: true };
    }
    out.push(entry);
    at += size;
  }
  return out;
}
