// Remote invoke over NATS: Lucent's ClusterClient → Shard vs raw nats.js request/reply, a plain pub/sub RPC floor and Moleculer's NATS transporter.
import { randomBytes } from 'node:crypto';
import { defineFunction, functionMap } from '@lucent/core';
import { FunctionManager } from '@lucent/runtime';
import { ClusterClient, Shard } from '@lucent/runtime/cluster';
import { NatsTransport, connectNats } from '@lucent/nats';
import Moleculer from 'moleculer';
import { createInbox, type MsgHdrs, type NatsConnection } from 'nats';
import { z } from 'zod';
import { compareLatency, compareOps } from '../harness/alternate.js';
import { concurrentOps } from '../harness/measure.js';
import type { BenchArea, BenchOptions, BenchResult } from '../harness/types.js';
import { wants } from '../harness/types.js';

interface Quote {
  readonly pair: string;
  readonly account: string;
  readonly qty: number;
  readonly priceUsd: number;
}
interface Notional {
  readonly notionalUsd: number;
}

/** The work every side does on the server: the same small computation on the same payload. */
const notional = (q: Quote): Notional => ({ notionalUsd: q.qty * q.priceUsd });
const input: Quote = { pair: 'ETH-USD', account: 'acct-42', qty: 1.25, priceUsd: 3012.5 };

const notionalFunction = defineFunction(
  {
    name: 'bench.notional',
    version: '1.0.0',
    input: z.object({ pair: z.string(), account: z.string(), qty: z.number().positive(), priceUsd: z.number().positive() }),
    output: z.object({ notionalUsd: z.number() }),
  },
  notional,
);
const registry = functionMap(notionalFunction);

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const encode = (v: unknown): Uint8Array => encoder.encode(JSON.stringify(v));
const decode = (d: Uint8Array): unknown => JSON.parse(decoder.decode(d)) as unknown;

/**
 * A call's metadata as Lucent's wire carries it (one packed header line: function, deadline,
 * attempt, clock reading, correlation id), written by hand as a raw block. nats.js asks a header
 * object only for `encode()`.
 */
function lucentLikeHeaders(): MsgHdrs {
  const now = Date.now();
  const block = `NATS/1.0\r\nlucent-call: bench.notional ${now + 5_000} 1 ${now} bench-${++headerSeq}\r\n\r\n`;
  return { encode: () => Buffer.from(block) } as unknown as MsgHdrs;
}
let headerSeq = 0;

/**
 * The floor: one reply subscription and an id → resolver map on one connection; no timers, no
 * checks. With `headers`, each request also carries Lucent's header block (the issue requires the
 * metadata in NATS headers) and the caller sends to a responder that answers with Lucent's reply
 * envelope: the same bytes both ways as Lucent, none of its work.
 */
function pubSubRpc(nc: NatsConnection, subject: string, headers = false): () => Promise<unknown> {
  const inbox = `${createInbox()}.`;
  const waiting = new Map<string, (v: unknown) => void>();
  let seq = 0;
  nc.subscribe(`${inbox}*`, {
    callback: (_e, msg) => {
      const id = msg.subject.slice(inbox.length);
      const resolve = waiting.get(id);
      if (resolve === undefined) return;
      waiting.delete(id);
      resolve(decode(msg.data));
    },
  });
  return () =>
    new Promise((resolve) => {
      const id = (++seq).toString(36);
      waiting.set(id, resolve);
      nc.publish(subject, encode(input), headers ? { reply: inbox + id, headers: lucentLikeHeaders() } : { reply: inbox + id });
    });
}

interface Rig {
  readonly lucent: () => Promise<unknown>;
  /** Messages Lucent's caller published per call, over a short run of its own at `concurrency` in flight. */
  messagesPerCall(concurrency: number, ms: number): Promise<number>;
  readonly natsRequest: () => Promise<unknown>;
  readonly pubSub: () => Promise<unknown>;
  readonly pubSubSameWire: () => Promise<unknown>;
  readonly moleculer: () => Promise<unknown>;
  close(): Promise<void>;
}

/**
 * Server and client sides in this one process, each on its own connection to the same server,
 * so every side pays for both ends on the same cores.
 */
async function rig(natsUrl: string): Promise<Rig> {
  const tag = randomBytes(4).toString('hex');
  const prefix = `lucent-bench-${tag}`;
  const serverConn = await connectNats({ url: natsUrl, name: 'bench-remote-server' });
  const clientConn = await connectNats({ url: natsUrl, name: 'bench-remote-client' });

  const serverTransport = new NatsTransport({ connection: serverConn, subjectPrefix: prefix });
  const shard = new Shard({ id: `bench${tag}`, transport: serverTransport, functions: new FunctionManager().register(registry) });
  await shard.start();
  const clientTransport = new NatsTransport({ connection: clientConn, subjectPrefix: prefix });
  const client = new ClusterClient({ transport: clientTransport, functions: registry });
  await client.ready(1, 10_000);

  const rawSubject = `${prefix}.raw`;
  serverConn.subscribe(rawSubject, { callback: (_e, msg) => msg.respond(encode(notional(decode(msg.data) as Quote))) });
  const wireSubject = `${prefix}.raw-wire`;
  serverConn.subscribe(wireSubject, {
    callback: (_e, msg) => msg.respond(encode({ ok: true, output: notional(decode(msg.data) as Quote), events: [] })),
  });
  await serverConn.flush();

  const namespace = `lucent-bench-${tag}`;
  const transporter = { type: 'NATS', options: { url: natsUrl } };
  const common = { namespace, transporter, logger: false, metrics: false, tracing: false } as const;
  const molServer = new Moleculer.ServiceBroker({ ...common, nodeID: `bench-server-${tag}` });
  molServer.createService({ name: 'bench', actions: { notional: (ctx: Moleculer.Context<Quote>) => notional(ctx.params) } });
  const molClient = new Moleculer.ServiceBroker({ ...common, nodeID: `bench-client-${tag}` });
  await Promise.all([molServer.start(), molClient.start()]);
  await molClient.waitForServices('bench', 10_000);

  const invoke = client.typed<typeof registry>();
  const lucent = (): Promise<unknown> => invoke('bench.notional', input, { timeoutMs: 5_000 });
  return {
    lucent,
    async messagesPerCall(concurrency, ms) {
      const before = clientConn.stats().outMsgs;
      const { ops } = await concurrentOps(lucent, ms, concurrency);
      return (clientConn.stats().outMsgs - before) / ops;
    },
    natsRequest: () => clientConn.request(rawSubject, encode(input), { timeout: 5_000 }).then((m) => decode(m.data)),
    pubSub: pubSubRpc(clientConn, rawSubject),
    pubSubSameWire: pubSubRpc(clientConn, wireSubject, true),
    moleculer: () => molClient.call('bench.notional', input),
    close: async () => {
      await molClient.stop();
      await molServer.stop();
      await shard.stop(1_000);
      await client.close();
      await clientTransport.close();
      await serverTransport.close();
      await clientConn.drain();
      await serverConn.drain();
    },
  };
}

const payloadNote = `payload ${JSON.stringify(input)} as JSON; server side in the same process on its own connection; NATS on 127.0.0.1`;

async function sequential(r: Rig, options: BenchOptions, out: BenchResult[]): Promise<void> {
  const lat = await compareLatency(options, { lucent: r.lucent, 'nats-request': r.natsRequest, moleculer: r.moleculer });
  const note =
    `one call in flight; ${payloadNote}. Lucent: ClusterClient (routing, breaker, deadline timer, contract checks on both ends, ` +
    `metadata in NATS headers) → Shard → FunctionManager. nats-request: nats.js request() with default options. ` +
    `Moleculer 0.14 NATS transporter, JSON serializer. Target: Lucent p50 within 1.3× of nats-request.`;
  for (const metric of ['p50_us', 'p99_us'] as const) {
    const key = metric === 'p50_us' ? 'p50Us' : 'p99Us';
    out.push({
      case: 'remote.seq',
      metric,
      higherIsBetter: false,
      lucent: lat.lucent[key],
      baselines: { 'nats-request': lat['nats-request'][key], moleculer: lat.moleculer[key] },
      floors: ['nats-request'],
      note,
    });
  }
}

async function concurrent(r: Rig, options: BenchOptions, out: BenchResult[]): Promise<void> {
  const concurrency = 64;
  const rates = await compareOps(options, {
    lucent: { op: r.lucent, concurrency },
    'nats-pubsub-rpc': { op: r.pubSub, concurrency },
    'nats-pubsub-rpc-headers': { op: r.pubSubSameWire, concurrency },
    'nats-request': { op: r.natsRequest, concurrency },
    moleculer: { op: r.moleculer, concurrency },
  });
  const perCall = await r.messagesPerCall(concurrency, 300);
  out.push({
    case: 'remote.concurrent',
    metric: 'ops_per_s',
    higherIsBetter: true,
    lucent: rates.lucent,
    baselines: {
      'nats-pubsub-rpc': rates['nats-pubsub-rpc'],
      'nats-pubsub-rpc-headers': rates['nats-pubsub-rpc-headers'],
      'nats-request': rates['nats-request'],
      moleculer: rates.moleculer,
    },
    floors: ['nats-pubsub-rpc', 'nats-pubsub-rpc-headers'],
    note:
      `${concurrency} calls in flight; ${payloadNote}. nats-pubsub-rpc: one reply subscription and an id map, no timers or headers ` +
      `(the floor), one message per call each way. nats-pubsub-rpc-headers: the same floor with a single Lucent call's ` +
      `bytes on every message (its packed lucent-call header, its reply envelope) but none of its work. Lucent sends the ` +
      `calls of one event-loop turn for one shard as one batch message (a header line per call) and the shard answers a ` +
      `batch's replies finished in one turn as one message: measured ${perCall.toFixed(3)} messages published per call by ` +
      `Lucent's caller here (1 = no batching), so it pays the per-message costs the floors pay per call once per burst. ` +
      `Every side uses the same two connections and nats.js's own flush. ` +
      `Target: Lucent at least 85% of nats-pubsub-rpc and ahead of Moleculer.`,
  });
}

export const remoteArea: BenchArea = {
  area: 'remote',
  cases: ['remote.seq', 'remote.concurrent'],
  requires: ['nats'],
  async run(options) {
    const out: BenchResult[] = [];
    const r = await rig(options.natsUrl);
    try {
      if (wants(options, 'remote.seq')) await sequential(r, options, out);
      if (wants(options, 'remote.concurrent')) await concurrent(r, options, out);
    } finally {
      await r.close();
    }
    return out;
  },
};
