// The call envelope in NATS headers, alone or in a batch: every field survives the trip, and a header cannot be forged through a value.
import { describe, expect, it } from 'vitest';
import { ValidationError } from '@lucent/core';
import type { RemoteCall } from '@lucent/runtime';
import { headers as natsHeaders, type Msg } from 'nats';
import {
  asReply,
  batchCallLines,
  batchReplyHeaders,
  decodeCall,
  encodeCallHeaders,
  encodeJson,
  headerBlock,
  readBatchReply,
  readIncoming,
  replyNumber,
  type BatchedCall,
  type HeaderRecord,
} from './wireFormat.js';

/** Parse a header block the way any NATS client would: `key: value` lines after the version line. */
function parseBlock(bytes: Uint8Array): HeaderRecord {
  const lines = Buffer.from(bytes).toString('utf8').split('\r\n');
  expect(lines[0]).toBe('NATS/1.0');
  const out: HeaderRecord = {};
  for (const l of lines.slice(1)) if (l) out[l.slice(0, l.indexOf(':'))] = l.slice(l.indexOf(':') + 1).trim();
  return out;
}

/** The bytes nats.js would write for a call's headers (it only ever asks the header object for `encode()`). */
const blockOf = (c: RemoteCall): Uint8Array => (encodeCallHeaders(c) as unknown as { encode(): Uint8Array }).encode();

const call: RemoteCall = {
  name: 'risk.healthFactor',
  version: '1.2.0',
  input: { collateral: [{ asset: 'ETH', amount: 10 }], debtUsd: 15_000 },
  deadline: 1_700_000_005_000,
  correlationId: 'corr-1',
  causationId: 'cause-1',
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  attempt: 2,
  business: { userId: 'u-1', jurisdiction: 'DE' },
  now: 1_700_000_000_000,
};

describe('call wire format', () => {
  it('round-trips every field through headers and a JSON body', () => {
    const headers = parseBlock(blockOf(call));
    expect(headers['traceparent']).toBe(call.traceparent);
    expect(decodeCall(headers, encodeJson(call.input))).toEqual(call);
  });

  it('packs the fields every call has on one line, and spells them out when the name cannot be packed', () => {
    const packed = parseBlock(blockOf(call));
    expect(packed['lucent-call']).toBe('risk.healthFactor 1700000005000 2 1700000000000 corr-1');
    expect(packed['lucent-function']).toBeUndefined();
    const spaced = { ...call, name: 'odd name', correlationId: 'a b' };
    const spelled = parseBlock(blockOf(spaced));
    expect(spelled['lucent-call']).toBeUndefined();
    expect(spelled['lucent-function']).toBe('odd name');
    expect(decodeCall(spelled, encodeJson(call.input))).toEqual(spaced);
    // The correlation id is the rest of the packed line, spaces and all; an absent clock reading is '-'.
    const { now: _now, ...noClock } = { ...call, correlationId: 'id with spaces' };
    const h = parseBlock(blockOf(noClock));
    expect(h['lucent-call']).toBe('risk.healthFactor 1700000005000 2 - id with spaces');
    expect(decodeCall(h, encodeJson(call.input))).toEqual(noClock);
  });

  it('reads the spelled-out headers a hand-made call sends', () => {
    const headers = {
      'lucent-function': 'risk.healthFactor',
      'lucent-deadline': '1700000005000',
      'lucent-correlation-id': 'raw-1',
      'lucent-now': '1700000000000',
    };
    expect(decodeCall(headers, '{"debtUsd":1}')).toEqual({
      name: 'risk.healthFactor',
      input: { debtUsd: 1 },
      deadline: 1_700_000_005_000,
      correlationId: 'raw-1',
      attempt: 1,
      now: 1_700_000_000_000,
    });
  });

  it('names a packed line that does not hold its five fields', () => {
    let error: unknown;
    try {
      decodeCall({ 'lucent-call': 'risk.healthFactor  2 - id' }, '{}');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toContain('lucent-call');
  });

  it('reads a reply subject’s number from its raw bytes, and refuses anything else', () => {
    const inbox = '_INBOX.abc.';
    const msg = (subject: string): Msg => ({ _msg: { subject: Buffer.from(subject) }, subject }) as unknown as Msg;
    expect(replyNumber(msg(`${inbox}${(123456789).toString(36)}`), inbox.length)).toBe(123456789);
    expect(replyNumber(msg(`${inbox}Z9`), inbox.length)).toBeNaN();
    expect(replyNumber(msg(inbox), inbox.length)).toBeNaN();
    // A message of another shape falls back to its public subject.
    expect(replyNumber({ subject: `${inbox}zz` } as unknown as Msg, inbox.length)).toBe(35 * 36 + 35);
  });

  it('refuses a value with a line break rather than letting it add a header', () => {
    expect(() => encodeCallHeaders({ ...call, correlationId: 'x\r\nlucent-function: admin.drop' })).toThrow(/line break/);
  });

  it('names each missing or malformed field of a hand-made message', () => {
    let error: unknown;
    try {
      decodeCall({ 'lucent-deadline': 'soon', 'lucent-attempt': '0', 'lucent-business': '[1]' }, Buffer.from('{not json'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual([
      'lucent-function',
      'lucent-deadline',
      'lucent-correlation-id',
      'lucent-attempt',
      'lucent-business',
      'body',
    ]);
  });
});

/** A received message as nats.js delivers it: the header block and body in one buffer, the header size beside it. */
function rawMessage(block: string, body: Uint8Array): Msg {
  const head = Buffer.from(block, 'utf8');
  return { _msg: { hdr: head.length }, _rdata: Buffer.concat([head, body]) } as unknown as Msg;
}

describe('batch wire format', () => {
  const batched = (id: number, c: RemoteCall): BatchedCall => ({ id, call: c, body: encodeJson(c.input) });
  const blockText = (lines: string): string => Buffer.from((headerBlock(lines) as unknown as { encode(): Uint8Array }).encode()).toString('utf8');
  const plain: RemoteCall = { name: 'risk.echo', input: { n: 'é' }, deadline: 1_700_000_005_000, correlationId: 'a b c', attempt: 1 };

  it('carries every call of a batch whole: a header line each, optional fields beside it, inputs back to back', () => {
    const calls = [batched(10, call), batched(11, plain), batched(12, { ...plain, input: undefined, correlationId: 'empty' })];
    const lines = calls.map(batchCallLines).join('');
    expect(lines).toContain(`lucent-batch-call: a ${Buffer.byteLength(JSON.stringify(call.input))} risk.healthFactor 1700000005000 2 1700000000000 corr-1\r\n`);
    // Multi-byte input: the count is of bytes, not characters.
    expect(lines).toContain('lucent-batch-call: b 10 risk.echo 1700000005000 1 - a b c\r\n');
    const read = readIncoming(rawMessage(blockText(lines), Buffer.concat(calls.map((c) => c.body))));
    expect(read).toEqual({ batch: true, entries: [{ id: 'a', call }, { id: 'b', call: plain }, { id: 'c', call: { ...plain, input: undefined, correlationId: 'empty' } }] });
  });

  it('reads a single call as before, and a batch through the public header API when the raw bytes are not there', () => {
    const single = readIncoming(rawMessage(blockText(`lucent-call: risk.echo 1700000005000 1 - x\r\n`), encodeJson({ n: 1 })));
    expect(single).toEqual({ batch: false, call: { name: 'risk.echo', input: { n: 1 }, deadline: 1_700_000_005_000, correlationId: 'x', attempt: 1 } });
    const h = natsHeaders();
    const line = batchCallLines(batched(35, plain));
    h.append('lucent-batch-call', line.slice(line.indexOf(':') + 2, -2));
    const body = encodeJson(plain.input);
    expect(readIncoming({ headers: h, data: body } as unknown as Msg)).toEqual({ batch: true, entries: [{ id: 'z', call: plain }] });
  });

  it('answers a bad call of a batch on its own id, and every call after byte counts that do not fit', () => {
    const good = encodeJson({ n: 1 });
    const lines =
      `lucent-batch-call: 1 ${good.length} risk.echo 1700000005000 1 - good\r\n` +
      `lucent-batch-call: 2 5 risk.echo soon 1 - bad-deadline\r\n` +
      `lucent-batch-call: Z! 2 risk.echo 1700000005000 1 - unreadable-id\r\n` +
      `lucent-batch-call: 3 2 risk.echo 1700000005000 1 - after-the-unreadable\r\n` +
      `lucent-batch-call: 4 9999 risk.echo 1700000005000 1 - too-long\r\n` +
      `lucent-batch-call: 5 2 risk.echo 1700000005000 1 - after\r\n`;
    const read = readIncoming(rawMessage(blockText(lines), Buffer.concat([good, Buffer.from('{"a":'), Buffer.from('[]{}[]')])));
    if (!read.batch) throw new Error('expected a batch');
    // The id that cannot be read gets no entry (no reply can reach its caller); its count still places the next body.
    expect(read.entries.map((e) => e.id)).toEqual(['1', '2', '3', '4', '5']);
    expect(read.entries[0]!.call?.input).toEqual({ n: 1 });
    expect(read.entries[1]!.error?.issues.map((i) => i.path)).toEqual(['lucent-deadline', 'body']);
    expect(read.entries[2]!.call?.input).toEqual({});
    for (const e of read.entries.slice(3)) {
      expect(e.error).toBeInstanceOf(ValidationError);
      expect(e.error?.issues[0]?.message).toMatch(/byte counts/);
    }
  });

  it('reads the replies of a batch reply by id, and stops at a count that does not fit', () => {
    const bodies = [encodeJson({ ok: true, output: 1, events: [] }), encodeJson({ ok: false, error: { code: 'X', message: 'y' } })];
    const block = blockText(''); // the reply helper's own block, read back
    expect(block).toBe('NATS/1.0\r\n\r\n');
    const headersText = Buffer.from((batchReplyHeaders(['a', 'b'], bodies) as unknown as { encode(): Uint8Array }).encode()).toString('utf8');
    expect(headersText).toBe(`NATS/1.0\r\nlucent-batch-reply: a:${bodies[0]!.length} b:${bodies[1]!.length}\r\n\r\n`);
    expect(readBatchReply(rawMessage(headersText, Buffer.concat(bodies)))).toEqual([
      { id: 10, value: { ok: true, output: 1, events: [] }, unreadable: false },
      { id: 11, value: { ok: false, error: { code: 'X', message: 'y' } }, unreadable: false },
    ]);
    const short = readBatchReply(rawMessage('NATS/1.0\r\nlucent-batch-reply: a:2 b:999\r\n\r\n', Buffer.from('{}[]')));
    expect(short).toEqual([{ id: 10, value: {}, unreadable: false }]);
    expect(readBatchReply(rawMessage('NATS/1.0\r\nlucent-batch-reply: a:3\r\n\r\n', Buffer.from('{x}')))).toEqual([
      { id: 10, value: undefined, unreadable: true },
    ]);
    // A plain reply is not a batch reply.
    expect(readBatchReply({ _msg: { hdr: -1 }, _rdata: Buffer.from('{}') } as unknown as Msg)).toBeUndefined();
  });

  it('refuses a batch line with a line break, as a single call does', () => {
    expect(() => batchCallLines(batched(1, { ...plain, correlationId: 'x\r\nlucent-batch-call: 2 0 admin.drop' }))).toThrow(/line break/);
    expect(() => batchCallLines(batched(1, { ...plain, name: 'odd name' }))).toThrow(/cannot be packed/);
  });
});

describe('reply wire format', () => {
  it('carries the version that ran, and still reads a reply from a shard that names none', () => {
    expect(asReply({ ok: true, output: 1, events: [], version: '1.2.0' })).toEqual({ ok: true, output: 1, events: [], version: '1.2.0' });
    expect(asReply({ ok: true, output: 1, events: [] })).toEqual({ ok: true, output: 1, events: [] });
    expect(asReply({ ok: true, output: 1, events: [], version: 7 })).toEqual({ ok: true, output: 1, events: [] });
    expect(asReply({ ok: true, output: 1 })).toBeUndefined();
  });
});
