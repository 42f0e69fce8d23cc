// A call's metadata in NATS headers: every field survives the trip, the common five on one packed line, and no value can forge a header.
import { describe, expect, it } from 'vitest';
import type { RemoteCall } from '@lucent/runtime';
import { encodeCallHeaders } from './callHeaders.js';
import { decodeCall, headerRecord } from './decodeCall.js';
import { fullCall } from './fixtures/fullCall.js';
import { encodeJson } from './jsonBody.js';


const headersOf = (c: RemoteCall): Record<string, string | undefined> => headerRecord(encodeCallHeaders(c));

describe('call headers', () => {
  it('round-trips every field through headers and a JSON body', () => {
    const headers = headersOf(fullCall);
    expect(headers['traceparent']).toBe(fullCall.traceparent);
    expect(decodeCall(headers, encodeJson(fullCall.input))).toEqual(fullCall);
  });

  it('packs the fields every call has on one line, and spells them out when the name cannot be packed', () => {
    const packed = headersOf(fullCall);
    expect(packed['lucent-call']).toBe('risk.healthFactor 1700000005000 2 1700000000000 corr-1');
    expect(packed['lucent-function']).toBeUndefined();
    const spaced = { ...fullCall, name: 'odd name', correlationId: 'a b' };
    const spelled = headersOf(spaced);
    expect(spelled['lucent-call']).toBeUndefined();
    expect(spelled['lucent-function']).toBe('odd name');
    expect(decodeCall(spelled, encodeJson(fullCall.input))).toEqual(spaced);
    // The correlation id is the rest of the packed line, spaces and all; an absent clock reading is '-'.
    const { now: _now, ...noClock } = { ...fullCall, correlationId: 'id with spaces' };
    const h = headersOf(noClock);
    expect(h['lucent-call']).toBe('risk.healthFactor 1700000005000 2 - id with spaces');
    expect(decodeCall(h, encodeJson(fullCall.input))).toEqual(noClock);
  });

  it('refuses a value with a line break rather than letting it add a header, naming the header', () => {
    expect(() => encodeCallHeaders({ ...fullCall, correlationId: 'x\r\nlucent-function: admin.drop' })).toThrow(/lucent-call must not contain a line break/);
    expect(() => encodeCallHeaders({ ...fullCall, traceparent: '00-x\nlucent-version: 9' })).toThrow(/traceparent must not contain a line break/);
    expect(() => encodeCallHeaders({ ...fullCall, name: 'odd name', correlationId: 'a\rb' })).toThrow(/lucent-correlation-id/);
  });
});
