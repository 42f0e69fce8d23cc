// Reading what arrives: a single call through its headers, and the number a reply subject ends with.
import { describe, expect, it } from 'vitest';
import { encodeCallHeaders } from './callHeaders.js';
import { fullCall } from './fixtures/fullCall.js';
import { asReply, encodeJson } from './jsonBody.js';
import { readIncoming, replyNumber } from './readMessage.js';

describe('reading messages', () => {
  it('reads a single call from the headers Lucent writes, and refuses a message with none', () => {
    expect(readIncoming({ headers: encodeCallHeaders(fullCall), data: encodeJson(fullCall.input) })).toEqual({ batch: false, call: fullCall });
    expect(() => readIncoming({ headers: undefined, data: encodeJson({}) })).toThrow(/lucent-function header/);
  });

  it('reads a reply subject’s number in base 36, and refuses anything else', () => {
    const inbox = '_INBOX.abc.';
    expect(replyNumber(`${inbox}${(123456789).toString(36)}`, inbox.length)).toBe(123456789);
    expect(replyNumber(`${inbox}zz`, inbox.length)).toBe(35 * 36 + 35);
    expect(replyNumber(`${inbox}Z9`, inbox.length)).toBeNaN();
    expect(replyNumber(inbox, inbox.length)).toBeNaN();
  });
});

describe('reply bodies', () => {
  it('carries the version that ran, and still reads a reply from a shard that names none', () => {
    expect(asReply({ ok: true, output: 1, events: [], version: '1.2.0' })).toEqual({ ok: true, output: 1, events: [], version: '1.2.0' });
    expect(asReply({ ok: true, output: 1, events: [] })).toEqual({ ok: true, output: 1, events: [] });
    expect(asReply({ ok: true, output: 1, events: [], version: 7 })).toEqual({ ok: true, output: 1, events: [] });
    expect(asReply({ ok: true, output: 1 })).toBeUndefined();
  });
});
