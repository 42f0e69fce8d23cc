// A batch of replies in one message: `lucent-batch-reply: <id>:<bytes> <id>:<bytes> …`, the replies' JSON back to back.
import { MsgHdrsImpl, type MsgHdrs } from 'nats';
import { base36 } from './batchCalls.js';
import { batchHeader } from './headerNames.js';
import { bufferView } from './jsonBody.js';
import type { ReceivedMsg } from './readMessage.js';

/** The headers of a batch reply: each reply's id (base 36, as its call line gave it) and byte count, in body order. */
export function batchReplyHeaders(ids: readonly string[], bodies: readonly Uint8Array[]): MsgHdrs {
  let value = '';
  for (let i = 0; i < ids.length; i++) value += `${i === 0 ? '' : ' '}${ids[i]}:${bodies[i]!.byteLength}`;
  return MsgHdrsImpl.fromRecord({ [batchHeader.reply]: [value] });
}

/** One reply read from a batch reply: the reply number and the decoded JSON (or why it could not be read). */
export interface BatchReplyEntry {
  readonly id: number;
  readonly value: unknown;
  readonly unreadable: boolean;
}

/** The replies of a batch reply, up to the first part that cannot be placed in the body; undefined when the message is not one. */
export function readBatchReply(msg: ReceivedMsg): BatchReplyEntry[] | undefined {
  const value = msg.headers?.get(batchHeader.reply);
  if (!value) return undefined;
  const view = bufferView(msg.data);
  const out: BatchReplyEntry[] = [];
  let at = 0;
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
