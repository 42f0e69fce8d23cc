// The call envelope in NATS headers: every field survives the trip, and a header cannot be forged through a value.
import { describe, expect, it } from 'vitest';
import { ValidationError } from '@lucent/core';
import type { RemoteCall } from '@lucent/runtime';
import { decodeCall, encodeCallHeaders, encodeJson, type HeaderRecord } from './wireFormat.js';

/** Parse a header block the way any NATS client would: `key: value` lines after the version line. */
function parseBlock(bytes: Uint8Array): HeaderRecord {
  const lines = Buffer.from(bytes).toString('utf8').split('\r\n');
  expect(lines[0]).toBe('NATS/1.0');
  const out: HeaderRecord = {};
  for (const l of lines.slice(1)) if (l) out[l.slice(0, l.indexOf(':'))] = l.slice(l.indexOf(':') + 1).trim();
  return out;
}

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
    const headers = parseBlock(encodeCallHeaders(call).encode());
    expect(headers['traceparent']).toBe(call.traceparent);
    expect(decodeCall(headers, encodeJson(call.input))).toEqual(call);
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
