// The names a Lucent call uses on NATS: its header names and the subjects shards and callers listen on.

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

/** Header names of a batch: one `lucent-batch-call` line per call, `lucent-batch-extra` for a call's optional fields. */
export const batchHeader = {
  call: 'lucent-batch-call',
  extra: 'lucent-batch-extra',
  reply: 'lucent-batch-reply',
} as const;

/** `<prefix>.shard.<id>.call`: each shard listens on its own subject, so the caller's router, not the broker, picks the shard. */
export const callSubject = (prefix: string, shardId: string): string => `${prefix}.shard.${shardId}.call`;
/** `<prefix>.load`: every shard's load reports; every caller listens. */
export const loadSubject = (prefix: string): string => `${prefix}.load`;

/** A header's first value by name, as a plain record: what `decodeCall` reads. */
export type HeaderRecord = Record<string, string | undefined>;

const crlf = /[\r\n]/;

/**
 * A header value checked to stay on its line: a CR or LF in it would let a caller forge other
 * headers. (nats.js refuses one too, with a message that does not name the header.)
 */
export function headerValue(name: string, value: string): string {
  if (crlf.test(value)) throw new Error(`${name} must not contain a line break`);
  return value;
}
