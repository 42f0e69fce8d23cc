// A batch of calls in one message: each call whole on its own header line, bodies placed by byte counts, a bad call answered on its own id.
import { describe, expect, it } from 'vitest';
import { ValidationError } from '@lucent/core';
import type { RemoteCall } from '@lucent/runtime';
import { headers } from 'nats';
import { batchCallHeaders, batchCallLines, readBatchCalls, type BatchedCall } from './batchCalls.js';
import { fullCall } from './fixtures/fullCall.js';
import { encodeJson } from './jsonBody.js';
import { readIncoming } from './readMessage.js';

const batched = (id: number, c: RemoteCall): BatchedCall => ({ id, call: c, body: encodeJson(c.input) });
const plain: RemoteCall = { name: 'risk.echo', input: { n: 'é' }, deadline: 1_700_000_005_000, correlationId: 'a b c', attempt: 1 };

/** A hand-made batch, as a client other than Lucent's could send it: `lucent-batch-call` values in order. */
function handMade(lines: readonly string[]): ReturnType<typeof headers> {
  const h = headers();
  for (const l of lines) h.append('lucent-batch-call', l);
  return h;
}

describe('batch of calls', () => {
  it('carries every call whole: a line each, optional fields beside it, inputs back to back (counted in bytes)', () => {
    const calls = [batched(10, fullCall), batched(11, plain), batched(12, { ...plain, input: undefined, correlationId: 'empty' })];
    const lines = calls.map(batchCallLines);
    expect(lines[0]!.call).toBe(`a ${Buffer.byteLength(JSON.stringify(fullCall.input))} risk.healthFactor 1700000005000 2 1700000000000 corr-1`);
    expect(lines[0]!.extra).toMatch(/^a \{.*"traceparent":"00-0af7/);
    // Multi-byte input: the count is of bytes, not characters.
    expect(lines[1]).toEqual({ call: 'b 10 risk.echo 1700000005000 1 - a b c', extra: undefined });
    const read = readIncoming({ headers: batchCallHeaders(lines), data: Buffer.concat(calls.map((c) => c.body)) });
    expect(read).toEqual({
      batch: true,
      entries: [
        { id: 'a', call: fullCall },
        { id: 'b', call: plain },
        { id: 'c', call: { ...plain, input: undefined, correlationId: 'empty' } },
      ],
    });
  });

  it('answers a bad call on its own id, and every call after byte counts that do not fit', () => {
    const good = encodeJson({ n: 1 });
    const h = handMade([
      `1 ${good.length} risk.echo 1700000005000 1 - good`,
      `2 5 risk.echo soon 1 - bad-deadline`,
      `Z! 2 risk.echo 1700000005000 1 - unreadable-id`,
      `3 2 risk.echo 1700000005000 1 - after-the-unreadable`,
      `4 9999 risk.echo 1700000005000 1 - too-long`,
      `5 2 risk.echo 1700000005000 1 - after`,
    ]);
    const entries = readBatchCalls(h, Buffer.concat([good, Buffer.from('{"a":'), Buffer.from('[]{}[]')]));
    // The id that cannot be read gets no entry (no reply can reach its caller); its count still places the next body.
    expect(entries.map((e) => e.id)).toEqual(['1', '2', '3', '4', '5']);
    expect(entries[0]!.call?.input).toEqual({ n: 1 });
    expect(entries[1]!.error?.issues.map((i) => i.path)).toEqual(['lucent-deadline', 'body']);
    expect(entries[2]!.call?.input).toEqual({});
    for (const e of entries.slice(3)) {
      expect(e.error).toBeInstanceOf(ValidationError);
      expect(e.error?.issues[0]?.message).toMatch(/byte counts/);
    }
  });

  it('answers a call whose extra line is not a JSON object with an error of its own', () => {
    const h = handMade(['1 2 risk.echo 1700000005000 1 - x']);
    h.append('lucent-batch-extra', '1 [1]');
    expect(readBatchCalls(h, Buffer.from('{}'))[0]!.error?.issues.map((i) => i.path)).toEqual(['lucent-batch-extra']);
  });

  it('refuses a batch line with a line break, or a name that cannot be packed, as a single call does', () => {
    expect(() => batchCallLines(batched(1, { ...plain, correlationId: 'x\r\nlucent-batch-call: 2 0 admin.drop' }))).toThrow(/line break/);
    expect(() => batchCallLines(batched(1, { ...plain, name: 'odd name' }))).toThrow(/cannot be packed/);
  });
});
