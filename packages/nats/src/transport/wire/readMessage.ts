// Reading what arrives: a call or a batch of calls on a shard's subject, a reply's body and the number its subject ends with.
import type { RemoteCall } from '@lucent/runtime';
import type { Msg } from 'nats';
import { isBatch, readBatchCalls, type BatchEntry } from './batchCalls.js';
import { decodeCall, headerRecord } from './decodeCall.js';
import { decodeJson } from './jsonBody.js';

/** What reading a received message needs of it (a nats.js `Msg` has it). */
export type ReceivedMsg = Pick<Msg, 'headers' | 'data'>;

/** A received message on a shard's subject: one call, or the calls of a batch. */
export type Incoming = { readonly batch: false; readonly call: RemoteCall } | { readonly batch: true; readonly entries: BatchEntry[] };

/**
 * Read what arrived on a shard's subject: one call (throws a ValidationError naming every header
 * or body problem), or a batch, recognised by its `lucent-batch-call` lines.
 */
export function readIncoming(msg: ReceivedMsg): Incoming {
  const h = msg.headers;
  if (h === undefined) return { batch: false, call: decodeCall(undefined, msg.data) };
  if (!isBatch(h)) return { batch: false, call: decodeCall(headerRecord(h), msg.data) };
  return { batch: true, entries: readBatchCalls(h, msg.data) };
}

/** The JSON body of a received reply. */
export function readJsonBody(msg: ReceivedMsg): unknown {
  return decodeJson(msg.data);
}

/**
 * The number a reply subject ends with after `inboxLength` characters (base 36, as the transport
 * writes it); NaN when it is not one.
 */
export function replyNumber(subject: string, inboxLength: number): number {
  if (subject.length <= inboxLength) return Number.NaN;
  let n = 0;
  for (let i = inboxLength; i < subject.length; i++) {
    const c = subject.charCodeAt(i);
    const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 122 ? c - 87 : -1;
    if (digit < 0) return Number.NaN;
    n = n * 36 + digit;
  }
  return n;
}
