// The call envelope in NATS headers: every field survives the trip, and a header cannot be forged through a value.
import { describe, expect, it } from 'vitest';
import { ValidationError } from '@lucent/core';
import type { RemoteCall } from '@lucent/runtime';
import type { Msg } from 'nats';
import { decodeCall, encodeCallHeaders, encodeJson, replyNumber, type HeaderRecord } from './wireFormat.js';

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
