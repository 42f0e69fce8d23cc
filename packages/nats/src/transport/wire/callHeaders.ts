// Writing a call's metadata into NATS headers: the packed `lucent-call` line, or the spelled-out headers.
import type { RemoteCall } from '@lucent/runtime';
import { MsgHdrsImpl, type MsgHdrs } from 'nats';
import { header, headerValue } from './headerNames.js';

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

/** Whether a call's name can go on a packed line (the fields are cut at spaces). */
export const packable = (call: RemoteCall): boolean => call.name.length > 0 && call.name.indexOf(' ') < 0;

/**
 * The five fields every call has, packed on one line: `<function> <deadline> <attempt> <now or -> <correlation id>`
 * (the correlation id last, so it may hold spaces). Throws on a line break in a value.
 */
export function packedFields(call: RemoteCall): string {
  return headerValue(header.call, `${call.name} ${deadlineText(call.deadline)} ${call.attempt} ${nowText(call.now)} ${call.correlationId}`);
}

/**
 * The headers of a call. The fields every call has go packed on one `lucent-call` line: one line
 * to write and to read instead of five cut the shard's header parsing by more than half. A
 * function name with a space cannot be packed and goes spelled out, as do the optional fields
 * (version, causation id, traceparent, business). Throws on a line break in any value.
 *
 * Built with `MsgHdrsImpl.fromRecord` (exported and typed by nats.js): the names are ours and
 * valid, and each value is checked here, so `headers().append`'s per-value key canonicalisation
 * and key search are not paid per call.
 */
export function encodeCallHeaders(call: RemoteCall): MsgHdrs {
  const r: Record<string, string[]> = {};
  if (packable(call)) {
    r[header.call] = [packedFields(call)];
  } else {
    r[header.function] = [headerValue(header.function, call.name)];
    r[header.deadline] = [String(call.deadline)];
    r[header.correlationId] = [headerValue(header.correlationId, call.correlationId)];
    r[header.attempt] = [String(call.attempt)];
    if (call.now !== undefined) r[header.now] = [String(call.now)];
  }
  if (call.version !== undefined) r[header.version] = [headerValue(header.version, call.version)];
  if (call.causationId !== undefined) r[header.causationId] = [headerValue(header.causationId, call.causationId)];
  if (call.traceparent !== undefined) r[header.traceparent] = [headerValue(header.traceparent, call.traceparent)];
  if (call.business !== undefined) r[header.business] = [JSON.stringify(call.business)];
  return MsgHdrsImpl.fromRecord(r);
}
