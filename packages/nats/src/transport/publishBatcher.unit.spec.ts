// The publish batcher hands the connection every message of a turn together once the turn ends, with its reply and headers, and reports a refused message by its token.
import { describe, expect, it } from 'vitest';
import { headers } from 'nats';
import { publishedBeforeIterationEnds, recordingConnection, turnEnds } from './fixtures/recordingConnection.js';
import { maxBodyBytes, PublishBatcher } from './publishBatcher.js';

const bytes = (text: string): Uint8Array => Buffer.from(text);

describe('PublishBatcher', () => {
  it('holds the messages of a turn and hands them over together, in order, when the turn ends', async () => {
    const nc = recordingConnection();
    const outbox = new PublishBatcher(nc);
    outbox.publish('a', bytes('1'));
    outbox.publish('b', bytes('2'));
    outbox.publish('a', bytes('3'));
    expect(nc.published).toEqual([]);
    await turnEnds();
    expect(nc.published.map((m) => `${m.subject}:${Buffer.from(m.data).toString()}`)).toEqual(['a:1', 'b:2', 'a:3']);
    outbox.publish('c', bytes('4'));
    await turnEnds();
    expect(nc.published.map((m) => m.subject)).toEqual(['a', 'b', 'a', 'c']);
  });

  it('asked for soon, hands over once the current callback and its microtasks are done, with what they queued, not at the end of the iteration', async () => {
    const nc = recordingConnection();
    const outbox = new PublishBatcher(nc);
    let atCheck = publishedBeforeIterationEnds(nc);
    outbox.publish('a', bytes('1'), undefined, undefined, undefined, true);
    outbox.publish('b', bytes('2'));
    queueMicrotask(() => outbox.publish('c', bytes('3')));
    expect(nc.published).toEqual([]);
    expect(await atCheck).toBe(3);
    // Not asked for soon: the messages wait for the end of the iteration.
    atCheck = publishedBeforeIterationEnds(nc);
    outbox.publish('d', bytes('4'));
    expect(await atCheck).toBe(3);
    await turnEnds();
    expect(nc.published.map((m) => m.subject)).toEqual(['a', 'b', 'c', 'd']);
    // A soon message while an end-of-iteration flush is due goes at once, and takes the queue with it.
    atCheck = publishedBeforeIterationEnds(nc);
    outbox.publish('e', bytes('5'));
    outbox.publish('f', bytes('6'), undefined, undefined, undefined, true);
    expect(await atCheck).toBe(6);
    await turnEnds();
    expect(nc.published.map((m) => m.subject)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('sends a message’s reply subject and headers with it', async () => {
    const nc = recordingConnection();
    const h = headers();
    h.set('lucent-function', 'quote.price');
    new PublishBatcher(nc).publish('calls', bytes('{}'), '_INBOX.x.1', h);
    await turnEnds();
    expect(nc.published[0]!.reply).toBe('_INBOX.x.1');
    expect(nc.published[0]!.headers?.get('lucent-function')).toBe('quote.price');
  });

  it('reports a message the connection refuses by its token and still sends the others', async () => {
    const nc = recordingConnection();
    nc.refused.add('too-big');
    const failed: [number, string][] = [];
    const outbox = new PublishBatcher(nc, (token, error) => failed.push([token, error.message]));
    outbox.publish('ok', bytes('1'), undefined, undefined, 1);
    outbox.publish('too-big', bytes('2'), undefined, undefined, 2);
    outbox.publish('too-big', bytes('3')); // no token: nobody waits for it
    outbox.publish('ok', bytes('4'), undefined, undefined, 4);
    await turnEnds();
    expect(failed).toEqual([[2, 'refused too-big']]);
    expect(nc.published.map((m) => Buffer.from(m.data).toString())).toEqual(['1', '4']);
  });

  it('lets its owner publish what it gathered during the turn in the same hand-over', async () => {
    const nc = recordingConnection();
    const gathered: string[] = [];
    const outbox: PublishBatcher = new PublishBatcher(nc, undefined, () => {
      for (const g of gathered.splice(0)) outbox.publish('batch', bytes(g));
    });
    gathered.push('x', 'y');
    outbox.schedule();
    outbox.publish('single', bytes('z'));
    await turnEnds();
    expect(nc.published.map((m) => `${m.subject}:${Buffer.from(m.data).toString()}`)).toEqual(['single:z', 'batch:x', 'batch:y']);
  });
});

describe('maxBodyBytes', () => {
  it('allows 256 KiB of bodies per batch message, or half the server’s payload limit when that is lower', () => {
    expect(maxBodyBytes(recordingConnection())).toBe(256 * 1024);
    expect(maxBodyBytes(recordingConnection(8 * 1024 * 1024))).toBe(256 * 1024);
    expect(maxBodyBytes(recordingConnection(64 * 1024))).toBe(32 * 1024);
  });
});
