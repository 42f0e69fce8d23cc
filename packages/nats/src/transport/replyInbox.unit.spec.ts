// One wildcard inbox settles every waiting call from its reply by number: a Lucent reply resolves it, a 503 or a foreign body fails it UNAVAILABLE, a batch reply settles each of its calls.
import { describe, expect, it } from 'vitest';
import { headers } from 'nats';
import { shardUnavailable, type RemoteReply } from '@lucent/runtime';
import { recordingConnection } from './fixtures/recordingConnection.js';
import { PendingCalls } from './pendingCalls.js';
import { ReplyInbox } from './replyInbox.js';
import { batchReplyHeaders } from './wire/batchReplies.js';
import { encodeJson } from './wire/jsonBody.js';

const ok = (output: unknown): RemoteReply => ({ ok: true, output, events: [] });

function setup() {
  const nc = recordingConnection();
  const pending = new PendingCalls(Date.now);
  const inbox = new ReplyInbox(nc, pending);
  const wait = (id: number, shardId = 's1'): Promise<string> =>
    pending.add(id, shardId, 'quote.price', Date.now() + 60_000).then(
      (reply) => JSON.stringify(reply),
      (e: { code?: string; message?: string }) => `${e.code}: ${e.message}`,
    );
  const done = (): void => pending.close((p) => shardUnavailable(p.shardId, 'spec over'));
  return { nc, pending, inbox, wait, done };
}

describe('ReplyInbox', () => {
  it('opens one wildcard subscription with the first reply subject, and names each call by its number in base 36', () => {
    const { nc, inbox } = setup();
    expect(nc.subscriptions()).toEqual([]);
    const first = inbox.subjectFor(35);
    const second = inbox.subjectFor(36);
    expect(first.endsWith('.z')).toBe(true);
    expect(second).toBe(`${first.slice(0, -1)}10`);
    expect(nc.subscriptions()).toEqual([`${first.slice(0, -1)}*`]);
  });

  it('resolves a call with the Lucent reply sent to its subject, and leaves other calls waiting', async () => {
    const k = setup();
    const answered = k.wait(1);
    void k.wait(2);
    expect(k.nc.deliver({ subject: k.inbox.subjectFor(1), data: encodeJson(ok({ price: 7 })) })).toBe(1);
    expect(await answered).toBe(JSON.stringify(ok({ price: 7 })));
    expect(k.pending.has(2)).toBe(true);
    k.done();
  });

  it('fails a call UNAVAILABLE on the server’s no-responders status, or on a body that is not a Lucent reply', async () => {
    const k = setup();
    const [nobody, foreign, garbled] = [k.wait(1, 's1'), k.wait(2, 's2'), k.wait(3, 's3')];
    k.nc.deliver({ subject: k.inbox.subjectFor(1), headers: headers(503, 'No Responders') });
    k.nc.deliver({ subject: k.inbox.subjectFor(2), data: encodeJson({ price: 7 }) });
    k.nc.deliver({ subject: k.inbox.subjectFor(3), data: Buffer.from('{not json') });
    expect(await nobody).toBe('UNAVAILABLE: Shard s1 is unavailable: no responder on its subject');
    expect(await foreign).toBe('UNAVAILABLE: Shard s2 is unavailable: its reply is not a Lucent reply');
    expect(await garbled).toBe('UNAVAILABLE: Shard s3 is unavailable: its reply is not a Lucent reply');
  });

  it('ignores a reply that comes after its call stopped waiting', async () => {
    const k = setup();
    const late = k.wait(1);
    k.pending.fail(1, (p) => shardUnavailable(p.shardId, 'gave up'));
    k.nc.deliver({ subject: k.inbox.subjectFor(1), data: encodeJson(ok(1)) });
    expect(await late).toBe('UNAVAILABLE: Shard s1 is unavailable: gave up');
  });

  it('settles each call a batch reply answers, and fails one whose part is not a Lucent reply', async () => {
    const k = setup();
    const calls = [k.wait(1), k.wait(2), k.wait(3)];
    k.pending.openBatch(9, [1, 2, 3]);
    const bodies = [encodeJson(ok('one')), encodeJson({ nonsense: true }), encodeJson(ok('three'))];
    k.nc.deliver({ subject: k.inbox.subjectFor(9), data: Buffer.concat(bodies), headers: batchReplyHeaders(['1', '2', '3'], bodies) });
    expect(await Promise.all(calls)).toEqual([JSON.stringify(ok('one')), 'UNAVAILABLE: Shard s1 is unavailable: its reply is not a Lucent reply', JSON.stringify(ok('three'))]);
  });

  it('fails every call of a batch at once when nobody serves the shard', async () => {
    const k = setup();
    const calls = [k.wait(1), k.wait(2)];
    k.pending.openBatch(9, [1, 2]);
    k.nc.deliver({ subject: k.inbox.subjectFor(9), headers: headers(503, 'No Responders') });
    expect(new Set(await Promise.all(calls))).toEqual(new Set(['UNAVAILABLE: Shard s1 is unavailable: no responder on its subject']));
  });

  it('stops listening when closed', async () => {
    const k = setup();
    const call = k.wait(1);
    const subject = k.inbox.subjectFor(1);
    k.inbox.close();
    expect(k.nc.deliver({ subject, data: encodeJson(ok(1)) })).toBe(0);
    k.done();
    expect(await call).toBe('UNAVAILABLE: Shard s1 is unavailable: spec over');
  });
});
