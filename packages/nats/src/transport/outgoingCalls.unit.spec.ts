// Calls queued for a shard in one turn leave as one message its shard reads back call by call, a lone call alone; batches keep to their size and byte limits, and a call that cannot leave fails at once.
import { describe, expect, it } from 'vitest';
import { shardUnavailable, type RemoteCall, type RemoteReply } from '@lucent/runtime';
import { publishedBeforeIterationEnds, recordingConnection, turnEnds, type Published } from './fixtures/recordingConnection.js';
import { OutgoingCalls } from './outgoingCalls.js';
import { PendingCalls } from './pendingCalls.js';
import { PublishBatcher } from './publishBatcher.js';
import { encodeJson } from './wire/jsonBody.js';
import { readIncoming, replyNumber } from './wire/readMessage.js';

const inboxPrefix = '_INBOX.spec.';
const inbox = { subjectFor: (id: number): string => inboxPrefix + id.toString(36) };

const call = (n: number, input: unknown = { n }): RemoteCall => ({ name: 'quote.price', input, deadline: Date.now() + 60_000, correlationId: `c${n}`, attempt: 1 });

function setup(options: { maxBatch?: number; maxPayload?: number } = {}) {
  const nc = recordingConnection(options.maxPayload);
  const pending = new PendingCalls(Date.now);
  // The batcher reaches the calls only from its callbacks, which run after both exist.
  const outbox = new PublishBatcher(
    nc,
    (id, error) => calls.publishFailed(id, error),
    () => calls.flush(),
  );
  const calls = new OutgoingCalls(nc, 'spec', options.maxBatch ?? 128, pending, inbox, outbox);
  const send = (shardId: string, c: RemoteCall): Promise<RemoteReply> => {
    const reply = calls.send(shardId, c, encodeJson(c.input), Date.now() + 60_000);
    // Calls a test does not wait for are failed by `done`; that is expected, not an unhandled rejection.
    reply.catch(() => undefined);
    return reply;
  };
  const outcome = (p: Promise<RemoteReply>): Promise<string> => p.then(() => 'answered', (e: { code?: string; message?: string }) => `${e.code}: ${e.message}`);
  /** Fail whatever still waits, so no wait-limit timer outlives the test. */
  const done = (): void => pending.close((p) => shardUnavailable(p.shardId, 'spec over'));
  return { nc, pending, calls, send, outcome, done };
}

/** The correlation ids a shard reads from one message, in order. */
function readBack(m: Published): string[] {
  const incoming = readIncoming({ headers: m.headers, data: m.data });
  return incoming.batch ? incoming.entries.map((e) => e.call!.correlationId) : [incoming.call.correlationId];
}

describe('OutgoingCalls', () => {
  it('sends the calls queued for a shard in one turn as one message on that shard’s subject, which the shard reads back whole', async () => {
    const k = setup();
    for (let n = 1; n <= 3; n++) void k.send('s1', call(n));
    void k.send('s2', call(4));
    await turnEnds();
    expect(k.nc.published.map((m) => [m.subject, readBack(m)])).toEqual([
      ['spec.shard.s1.call', ['c1', 'c2', 'c3']],
      ['spec.shard.s2.call', ['c4']],
    ]);
    const batch = readIncoming(k.nc.published[0]!);
    expect(batch.batch && batch.entries.map((e) => e.call!.input)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    // Each message asks for its reply on the inbox under its own number.
    const numbers = k.nc.published.map((m) => replyNumber(m.reply!, inboxPrefix.length));
    expect(new Set(numbers).size).toBe(2);
    k.done();
  });

  it('sends a call at once when no other waits for a reply (with the calls of the same callback), and at the end of the iteration while others wait', async () => {
    const k = setup();
    let atCheck = publishedBeforeIterationEnds(k.nc);
    for (let n = 1; n <= 3; n++) void k.send('s1', call(n));
    expect(await atCheck).toBe(1);
    expect(k.nc.published.map(readBack)).toEqual([['c1', 'c2', 'c3']]);
    // Three calls wait: the next one leaves with whatever else the iteration sends.
    atCheck = publishedBeforeIterationEnds(k.nc);
    void k.send('s1', call(4));
    expect(await atCheck).toBe(1);
    await turnEnds();
    expect(k.nc.published.map(readBack)).toEqual([['c1', 'c2', 'c3'], ['c4']]);
    k.done();
  });

  it('settles a call from its reply, and a call of a batch from the batch’s reply, by number', async () => {
    const k = setup();
    const a = k.send('s1', call(1));
    const b = k.send('s1', call(2));
    const lone = k.send('s2', call(3));
    await turnEnds();
    const [batchMsg, loneMsg] = k.nc.published as [Published, Published];
    const batchId = replyNumber(batchMsg.reply!, inboxPrefix.length);
    const reply: RemoteReply = { ok: true, output: 'ok', events: [] };
    // The shard answers each call of a batch under the number its line carries (base 36).
    const incoming = readIncoming(batchMsg);
    const members = incoming.batch ? incoming.entries.map((e) => Number.parseInt(e.id, 36)) : [];
    expect(members).toHaveLength(2);
    for (const id of members) k.pending.takeFromBatch(batchId, id)!.resolve(reply);
    k.pending.take(replyNumber(loneMsg.reply!, inboxPrefix.length))!.resolve(reply);
    await expect(Promise.all([a, b, lone])).resolves.toEqual([reply, reply, reply]);
    k.done();
  });

  it('keeps batches to the size limit, and sends every call alone when the limit is one', async () => {
    const k = setup({ maxBatch: 2 });
    for (let n = 1; n <= 5; n++) void k.send('s1', call(n));
    await turnEnds();
    expect(k.nc.published.map(readBack)).toEqual([['c1', 'c2'], ['c3', 'c4'], ['c5']]);
    k.done();

    const single = setup({ maxBatch: 1 });
    for (let n = 1; n <= 3; n++) void single.send('s1', call(n));
    await turnEnds();
    expect(single.nc.published.map(readBack)).toEqual([['c1'], ['c2'], ['c3']]);
    single.done();
  });

  it('starts a new message before the inputs pass half the server’s payload limit', async () => {
    // A 2 KiB limit leaves 1 KiB of inputs per message; each input here is about 400 bytes.
    const k = setup({ maxPayload: 2_048 });
    for (let n = 1; n <= 5; n++) void k.send('s1', call(n, { pad: 'x'.repeat(400) }));
    await turnEnds();
    expect(k.nc.published.map(readBack)).toEqual([['c1', 'c2'], ['c3', 'c4'], ['c5']]);
    expect(k.nc.published.every((m) => m.data.byteLength <= 1_024)).toBe(true);
    k.done();
  });

  it('does not send a call that failed before its turn ended', async () => {
    const k = setup();
    const gone = k.outcome(k.send('s1', call(1)));
    void k.send('s2', call(2));
    k.pending.abandon('s1', shardUnavailable('s1', 'left the cluster'));
    await turnEnds();
    expect(k.nc.published.map(readBack)).toEqual([['c2']]);
    await expect(gone).resolves.toContain('UNAVAILABLE');
    k.done();
  });

  it('fails with UNAVAILABLE every call of a message the connection refused, and only those', async () => {
    const k = setup();
    k.nc.refused.add('spec.shard.s1.call');
    const refused = [k.outcome(k.send('s1', call(1))), k.outcome(k.send('s1', call(2)))];
    const other = k.send('s2', call(3));
    await turnEnds();
    for (const o of await Promise.all(refused)) expect(o).toMatch(/^UNAVAILABLE: .*publish failed: refused spec\.shard\.s1\.call/);
    expect(k.nc.published.map(readBack)).toEqual([['c3']]);
    k.done();
    await expect(k.outcome(other)).resolves.toContain('UNAVAILABLE');
  });

  it('fails a call whose header cannot be written (a line break in a value) without holding back the others', async () => {
    const k = setup();
    const bad = k.outcome(k.send('s1', { ...call(1), correlationId: 'c1\r\nlucent-function: admin.wipe' }));
    void k.send('s1', call(2));
    await turnEnds();
    expect(await bad).toMatch(/^UNAVAILABLE: .*line break/);
    expect(k.nc.published.map(readBack)).toEqual([['c2']]);
    k.done();
  });
});
