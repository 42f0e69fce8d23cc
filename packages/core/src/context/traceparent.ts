// W3C Trace Context: the ids in a `traceparent` header, read without a tracing library.

export interface TraceIds {
  /** 32 lower-case hex digits. */
  readonly traceId: string;
  /** 16 lower-case hex digits: the caller's span, the parent of any span this call starts. */
  readonly spanId: string;
  readonly sampled: boolean;
}

// version-traceid-parentid-flags; version ff is invalid, and a later version may append fields after a dash.
const header = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const zeros32 = '0'.repeat(32);
const zeros16 = '0'.repeat(16);

/** The ids of a `traceparent` value, or undefined when it is malformed (the spec says: then ignore it). */
export function parseTraceparent(value: string | undefined): TraceIds | undefined {
  if (value === undefined) return undefined;
  const m = header.exec(value.trim().toLowerCase());
  if (m === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = m as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === zeros32 || spanId === zeros16) return undefined;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}
