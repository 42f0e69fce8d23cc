// A served shard runs each call that arrives on its subject and answers on the call's reply subject; a batch's replies finished in a turn go back in one message; an unreadable call is answered with its error, never run.
import { describe, expect, it } from 'vitest';
import { silentLogger, LucentError } from '@lucent/core';
import type { CallHandler, RemoteCall, RemoteReply } from '@lucent/runtime';
import { publishedBeforeIterationEnds, recordingConnection, turnEnds, type Published } from './fixtures/recordingConnection.js';
import { PublishBatcher } from './publishBatcher.js';
import { ShardResponder } from './shardResponder.js';
import { batchCallHeaders, batchCallLines } from './wire/batchCalls.js';
import { readBatchReply } from './wire/batchReplies.js';
import { encodeCallHeaders } from './wire/callHeaders.js';
import { decodeJson, encodeJson } from './wire/jsonBody.js';

const call = (n: number, name = 'quote.price'): RemoteCall => ({ name, input: { n }, deadline: Date.now() + 60_000, correlationId: `c${n}`, attempt: 1 });

/** Doubles `n`; `quote.fail` throws a plain error, `quote.refuse` a typed one. */
const handler: CallHandler = async (c) => {
  if (c.name === 'quote.fail') throw new Error('division by zero');
  if (c.name === 'quote.refuse') throw new LucentError('JURISDICTION_DENIED', 'not here');
  return { ok: true, output: (c.input as { n: number }).n * 2, events: [] };
};

function setup() {
  const nc = recordingConnection();
  // The responder reaches the batcher only from its callback, which runs after both exist.
  const outbox = new PublishBatcher(nc, undefined, () => responder.flush());
  const responder = new ShardResponder(nc, 'spec', outbox, silentLogger);
  const replies = (to: string): Published[] => nc.published.filter((m) => m.subject === to);
  return { nc, responder, replies };
}

const sendOne = (k: ReturnType<typeof setup>, c: RemoteCall, reply: string): number =>
  k.nc.deliver({ subject: 'spec.shard.s1.call', data: encodeJson(c.input), headers: encodeCallHeaders(c), reply });

/** Let the handlers settle and the batcher's turn pass. */
const settled = async (): Promise<void> => {
  await turnEnds();
  await turnEnds();
};

describe('ShardResponder', () => {
  it('answers a call on its reply subject with the handler’s reply, and a failing handler with its error', async () => {
    const k = setup();
    await k.responder.serve('s1', handler);
    expect(k.nc.subscriptions()).toEqual(['spec.shard.s1.call']);
    sendOne(k, call(21), 'r.1');
    sendOne(k, call(1, 'quote.fail'), 'r.2');
    sendOne(k, call(1, 'quote.refuse'), 'r.3');
    await settled();
    expect(decodeJson(k.replies('r.1')[0]!.data)).toEqual({ ok: true, output: 42, events: [] });
    expect(decodeJson(k.replies('r.2')[0]!.data)).toMatchObject({ ok: false, error: { code: 'FUNCTION_FAILED' } });
    expect(decodeJson(k.replies('r.3')[0]!.data)).toEqual({ ok: false, error: { code: 'JURISDICTION_DENIED', message: 'not here' } });
  });

  it('sends the reply that leaves no call running at once, and a reply while others run at the end of the iteration', async () => {
    const k = setup();
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => (release = resolve));
    await k.responder.serve('s1', async (c) => {
      if ((c.input as { n: number }).n === 0) await slow;
      return handler(c);
    });
    let atCheck = publishedBeforeIterationEnds(k.nc);
    sendOne(k, call(21), 'r.alone');
    expect(await atCheck).toBe(1);
    // One call is held: the other's reply waits for the end of the iteration.
    sendOne(k, call(0), 'r.slow');
    atCheck = publishedBeforeIterationEnds(k.nc);
    sendOne(k, call(5), 'r.busy');
    expect(await atCheck).toBe(1);
    await turnEnds();
    expect(k.replies('r.busy')).toHaveLength(1);
    // The held call is the last one running: its reply goes at once.
    atCheck = publishedBeforeIterationEnds(k.nc);
    release();
    expect(await atCheck).toBe(3);
    expect(decodeJson(k.replies('r.slow')[0]!.data)).toEqual({ ok: true, output: 0, events: [] });
  });

  it('answers an unreadable call with the error that names what is wrong, without running anything', async () => {
    const k = setup();
    const ran: string[] = [];
    await k.responder.serve('s1', (c) => {
      ran.push(c.name);
      return handler(c);
    });
    k.nc.deliver({ subject: 'spec.shard.s1.call', data: encodeJson({ n: 1 }), reply: 'r.1' });
    await settled();
    expect(ran).toEqual([]);
    expect(decodeJson(k.replies('r.1')[0]!.data)).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
  });

  it('drops a call without a reply subject: nobody could hear the answer, so it never runs', async () => {
    const k = setup();
    const ran: string[] = [];
    await k.responder.serve('s1', async (c) => {
      ran.push(c.name);
      return { ok: true, output: null, events: [] };
    });
    sendOne(k, call(1), '');
    await settled();
    expect(ran).toEqual([]);
    expect(k.nc.published).toEqual([]);
  });

  it('answers the calls of a batch finished in the same turn in one message, each reply under its call’s id', async () => {
    const k = setup();
    await k.responder.serve('s1', handler);
    const calls = [
      { id: 10, call: call(1), body: encodeJson({ n: 1 }) },
      { id: 11, call: call(2, 'quote.fail'), body: encodeJson({ n: 2 }) },
      { id: 12, call: call(3), body: encodeJson({ n: 3 }) },
    ];
    k.nc.deliver({ subject: 'spec.shard.s1.call', data: Buffer.concat(calls.map((c) => c.body)), headers: batchCallHeaders(calls.map(batchCallLines)), reply: 'r.batch' });
    await settled();
    const messages = k.replies('r.batch');
    expect(messages).toHaveLength(1);
    const read = readBatchReply(messages[0]!)!;
    expect(read.map((r) => [r.id, (r.value as RemoteReply).ok])).toEqual([
      [10, true],
      [11, false],
      [12, true],
    ]);
    expect((read[2]!.value as { output: unknown }).output).toBe(6);
  });

  it('stops taking calls once closed, and sends nothing on a closed connection', async () => {
    const k = setup();
    const served = await k.responder.serve('s1', handler);
    await served.close();
    expect(k.nc.subscriptions()).toEqual([]);
    expect(sendOne(k, call(1), 'r.1')).toBe(0);

    await k.responder.serve('s1', handler);
    sendOne(k, call(2), 'r.2');
    k.nc.close();
    await settled();
    expect(k.nc.published).toEqual([]);
    k.responder.close();
    expect(k.nc.subscriptions()).toEqual([]);
  });
});
