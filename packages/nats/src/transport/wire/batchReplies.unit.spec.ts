// A batch of replies in one message: each read by id, reading stops at a byte count the body cannot hold.
import { describe, expect, it } from 'vitest';
import { headers } from 'nats';
import { batchReplyHeaders, readBatchReply } from './batchReplies.js';
import { encodeJson } from './jsonBody.js';

function reply(value: string, body: Uint8Array): Parameters<typeof readBatchReply>[0] {
  const h = headers();
  h.append('lucent-batch-reply', value);
  return { headers: h, data: body };
}

describe('batch of replies', () => {
  it('lists each reply by id and byte count, and reads them back by id', () => {
    const bodies = [encodeJson({ ok: true, output: 1, events: [] }), encodeJson({ ok: false, error: { code: 'X', message: 'y' } })];
    const h = batchReplyHeaders(['a', 'b'], bodies);
    expect(h.get('lucent-batch-reply')).toBe(`a:${bodies[0]!.length} b:${bodies[1]!.length}`);
    expect(readBatchReply({ headers: h, data: Buffer.concat(bodies) })).toEqual([
      { id: 10, value: { ok: true, output: 1, events: [] }, unreadable: false },
      { id: 11, value: { ok: false, error: { code: 'X', message: 'y' } }, unreadable: false },
    ]);
  });

  it('stops at a count that does not fit, and marks a body that is not JSON as unreadable', () => {
    expect(readBatchReply(reply('a:2 b:999', Buffer.from('{}[]')))).toEqual([{ id: 10, value: {}, unreadable: false }]);
    expect(readBatchReply(reply('a:3', Buffer.from('{x}')))).toEqual([{ id: 10, value: undefined, unreadable: true }]);
  });

  it('says a plain reply is not a batch reply', () => {
    expect(readBatchReply({ headers: undefined, data: Buffer.from('{}') })).toBeUndefined();
    expect(readBatchReply({ headers: headers(), data: Buffer.from('{}') })).toBeUndefined();
  });
});
