// A batch of calls in one message: a header line per call (its id, its input's byte count, its packed fields), the inputs back to back.
import { ValidationError, type BusinessMetadata } from '@lucent/core';
import type { RemoteCall } from '@lucent/runtime';
import { MsgHdrsImpl, type MsgHdrs } from 'nats';
import { packable, packedFields } from './callHeaders.js';
import { decodeCall, malformed } from './decodeCall.js';
import { batchHeader, header, type HeaderRecord } from './headerNames.js';
import { bufferView } from './jsonBody.js';

/** One call of an outgoing batch: its reply number, its input's bytes. */
export interface BatchedCall {
  readonly id: number;
  readonly call: RemoteCall;
  readonly body: Uint8Array;
}

/** The header values one call adds to a batch: its `lucent-batch-call` line, and its `lucent-batch-extra` line if it has optional fields. */
export interface BatchLines {
  readonly call: string;
  readonly extra: string | undefined;
}

interface BatchExtra {
  version?: string;
  causationId?: string;
  traceparent?: string;
  business?: BusinessMetadata;
}

/**
 * `lucent-batch-call: <id> <bytes> <function> <deadline> <attempt> <now or -> <correlation id>`:
 * the reply number (base 36), the input's length in bytes, then the single call's packed line.
 * A call with optional fields adds `lucent-batch-extra: <id> <JSON of version, causation id,
 * traceparent, business>`. Throws, as a single call's headers do, on a line break in a value,
 * and on a name that cannot be packed (such a call goes on its own).
 */
export function batchCallLines(c: BatchedCall): BatchLines {
  const { call } = c;
  if (!packable(call)) throw new Error(`${header.function} cannot be packed`);
  const id = c.id.toString(36);
  const line = `${id} ${c.body.byteLength} ${packedFields(call)}`;
  if (call.version === undefined && call.causationId === undefined && call.traceparent === undefined && call.business === undefined) {
    return { call: line, extra: undefined };
  }
  const extra: BatchExtra = {};
  if (call.version !== undefined) extra.version = call.version;
  if (call.causationId !== undefined) extra.causationId = call.causationId;
  if (call.traceparent !== undefined) extra.traceparent = call.traceparent;
  if (call.business !== undefined) extra.business = call.business;
  // JSON escapes line breaks inside strings, so this line cannot be broken by a value.
  return { call: line, extra: `${id} ${JSON.stringify(extra)}` };
}

/**
 * The headers of a batch message, from the lines of its calls in the order their inputs follow in
 * the body. Values are checked by `batchCallLines`, so the record goes in whole (see `encodeCallHeaders`).
 */
export function batchCallHeaders(lines: readonly BatchLines[]): MsgHdrs {
  const calls: string[] = [];
  const extras: string[] = [];
  for (const l of lines) {
    calls.push(l.call);
    if (l.extra !== undefined) extras.push(l.extra);
  }
  return MsgHdrsImpl.fromRecord(extras.length === 0 ? { [batchHeader.call]: calls } : { [batchHeader.call]: calls, [batchHeader.extra]: extras });
}

/** Whether a message's headers are a batch's. */
export const isBatch = (h: MsgHdrs): boolean => h.has(batchHeader.call);

/** One call read from a batch: its reply id (base 36, as sent) and the call, or why it cannot be run. */
export type BatchEntry =
  | { readonly id: string; readonly call: RemoteCall; readonly error?: undefined }
  | { readonly id: string; readonly call?: undefined; readonly error: ValidationError };

export const base36 = /^[0-9a-z]{1,11}$/;

/**
 * The calls of a batch, each read and checked as a single call is (a bad one becomes a
 * ValidationError for its own id; the others still run). A line whose id cannot be read cannot
 * be answered and is skipped; its caller's wait limit fails it over. A byte count that cannot be
 * read leaves the rest of the body unplaceable: those calls are answered with an error.
 */
export function readBatchCalls(h: MsgHdrs, data: Uint8Array): BatchEntry[] {
  const extras = new Map<string, string>();
  for (const v of h.values(batchHeader.extra)) {
    const space = v.indexOf(' ');
    if (space > 0) extras.set(v.slice(0, space), v.slice(space + 1));
  }
  const body = bufferView(data);
  const out: BatchEntry[] = [];
  let at = 0;
  let lost = false;
  for (const v of h.values(batchHeader.call)) {
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
