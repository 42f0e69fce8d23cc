// Reading a call from its headers and body, naming every missing or malformed field.
import { ValidationError, type BusinessMetadata, type FieldIssue } from '@lucent/core';
import type { RemoteCall } from '@lucent/runtime';
import type { MsgHdrs } from 'nats';
import { header, type HeaderRecord } from './headerNames.js';
import { decodeJson } from './jsonBody.js';

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

/** Headers as a plain record (first value of each key), read in one pass. */
export function headerRecord(h: MsgHdrs): HeaderRecord {
  const out: HeaderRecord = {};
  for (const [k, values] of h) out[k] = values[0];
  return out;
}

export function malformed(issues: FieldIssue[]): ValidationError {
  return new ValidationError('command', 'remote call', issues);
}

/** Read a call from its headers and body, or throw a ValidationError naming every header or body problem. */
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
  // Optional fields only when their header came: a decoded call holds no key the caller did not send.
  const call: { -readonly [K in keyof RemoteCall]: RemoteCall[K] } = { name, input, deadline, correlationId, attempt };
  if (version) call.version = version;
  if (causationId) call.causationId = causationId;
  if (traceparent) call.traceparent = traceparent;
  if (business !== undefined) call.business = business;
  if (now !== undefined) call.now = now;
  return call;
}
