// Following a KV key on the machine's NATS: the stored value first, then later ones; a watch whose consumer dies is re-opened and the node keeps following.
import { randomUUID } from 'node:crypto';
import { connect, type NatsConnection } from 'nats';
import { afterAll, describe, expect, it } from 'vitest';
import { followKvKey } from './followKvKey.js';

const connections: NatsConnection[] = [];
afterAll(async () => {
  for (const nc of connections) await nc.close();
});

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function until(what: string, check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('followKvKey', () => {
  it('applies the stored value before resolving, then each later put once, and stops when told', async () => {
    const nc = await connect({ servers: '127.0.0.1:4222' });
    connections.push(nc);
    const bucket = `lucent-follow-test-${randomUUID().slice(0, 8)}`;
    const kv = await nc.jetstream().views.kv(bucket);
    await kv.put('doc', encoder.encode('v1'));
    const seen: string[] = [];
    const follower = await followKvKey(kv, 'doc', (e) => void seen.push(decoder.decode(e.value)), { what: 'test document' });
    expect(seen).toEqual(['v1']);
    await kv.put('doc', encoder.encode('v2'));
    await until('v2 applied', () => seen.length === 2, 5_000);
    follower.stop();
    await kv.put('doc', encoder.encode('v3'));
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toEqual(['v1', 'v2']);
    await kv.destroy();
  });

  it('keeps following when the watch\'s consumer is removed on the server, ends with the connection, and leaves no unhandled rejection', async () => {
    const nc = await connect({ servers: '127.0.0.1:4222' });
    connections.push(nc);
    const jsm = await nc.jetstreamManager();
    const bucket = `lucent-follow-test-${randomUUID().slice(0, 8)}`;
    const kv = await nc.jetstream().views.kv(bucket);
    await kv.put('doc', encoder.encode('v1'));
    const seen: string[] = [];
    const logged: string[] = [];
    const logger = {
      debug: () => undefined,
      info: (msg: string) => void logged.push(msg),
      warn: (msg: string) => void logged.push(msg),
      error: (msg: string) => void logged.push(msg),
      child: () => logger,
    };
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const follower = await followKvKey(kv, 'doc', (e) => void seen.push(decoder.decode(e.value)), { what: 'test document', logger, rewatchDelayMs: 100 });
      // The watch's ordered consumer is removed on the server, as when the server holding it dies.
      const consumers: string[] = [];
      for await (const c of jsm.consumers.list(`KV_${bucket}`)) consumers.push(c.name);
      expect(consumers).toHaveLength(1);
      await jsm.consumers.delete(`KV_${bucket}`, consumers[0]!);
      await kv.put('doc', encoder.encode('v2'));
      // nats.js notices a silent ordered consumer by its missed heartbeats and re-creates it; v2 arrives, once.
      await until('v2 applied after the consumer was removed', () => seen.includes('v2'), 30_000);
      expect(seen).toEqual(['v1', 'v2']);
      expect(unhandled).toEqual([]);
      // The owner closes the connection: the watch ends and is not re-opened (no retries against a closed connection).
      await nc.close();
      await new Promise((r) => setTimeout(r, 500));
      expect(logged.filter((m) => m.includes('could not be re-opened'))).toEqual([]);
      expect(unhandled).toEqual([]);
      follower.stop();
      const cleanup = await connect({ servers: '127.0.0.1:4222' });
      connections.push(cleanup);
      await (await cleanup.jetstreamManager()).streams.delete(`KV_${bucket}`);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  }, 45_000);
});
