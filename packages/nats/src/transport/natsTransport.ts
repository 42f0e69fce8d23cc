// The NATS transport: calls published to the chosen shard's own subject, replies on one wildcard inbox matched by id.
import { silentLogger, type LoadReport, type Logger } from '@lucent/core';
import {
  noReplyInTime,
  serializeError,
  shardUnavailable,
  type CallHandler,
  type RemoteCall,
  type RemoteReply,
  type Served,
  type Transport,
} from '@lucent/runtime';
import { createInbox, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from 'nats';
import { PublishBatcher } from './publishBatcher.js';
import {
  asReply,
  callSubject,
  decodeJson,
  encodeCallHeaders,
  encodeJson,
  loadSubject,
  readCall,
  readJsonBody,
  replyNumber,
} from './wireFormat.js';

export interface NatsTransportOptions {
  readonly connection: NatsConnection;
  /** First token of every subject; give each test run (or each cluster sharing a server) its own. */
  readonly subjectPrefix?: string;
  /** Close the connection with the transport (true when the transport opened it). */
  readonly ownsConnection?: boolean;
  readonly clock?: () => number;
  readonly logger?: Logger;
}

/** One call waiting for its reply. Its wait limit is watched by the transport's one shared timer. */
interface Pending {
  readonly resolve: (reply: RemoteReply) => void;
  readonly reject: (error: unknown) => void;
  readonly shardId: string;
  readonly name: string;
  readonly waitUntil: number;
}

/**
 * Why not `nc.request()` per call: it creates a subscription-side promise and captures an async
 * stack trace per call, which BENCHMARKS.md measures at a fraction of a plain pub/sub RPC. Here
 * one wildcard subscription serves every reply, and an id → pending map matches them. Wait limits
 * share one timer, armed for the earliest: a timer per call (set, then cleared on the reply) cost
 * as much as matching the reply.
 */
export class NatsTransport implements Transport {
  readonly prefix: string;
  private readonly nc: NatsConnection;
  private readonly ownsConnection: boolean;
  private readonly clock: () => number;
  private readonly logger: Logger;
  /** By the number the reply subject ends with (see `replyNumber`). */
  private readonly pending = new Map<number, Pending>();
  private readonly loadListeners = new Set<(report: LoadReport) => void>();
  private readonly served = new Set<Subscription>();
  private readonly outbox: PublishBatcher;
  private readonly subjects = new Map<string, string>();
  private expiryTimer: NodeJS.Timeout | undefined;
  private armedFor = Number.POSITIVE_INFINITY;
  private inbox: string | undefined;
  private inboxSub: Subscription | undefined;
  private loadSub: Subscription | undefined;
  private sequence = 0;
  private closed = false;
  /** Since when the connection has been down (undefined while up), and when the last outage ended. */
  private linkDownAt: number | undefined;
  private linkUpAt = Number.NEGATIVE_INFINITY;

  constructor(options: NatsTransportOptions) {
    this.nc = options.connection;
    this.outbox = new PublishBatcher(this.nc, (id, error) => this.publishFailed(id, error));
    this.prefix = options.subjectPrefix ?? 'lucent';
    this.ownsConnection = options.ownsConnection ?? false;
    this.clock = options.clock ?? Date.now;
    this.logger = options.logger ?? silentLogger;
    this.watchLink().catch(() => undefined);
  }

  linkDownSince(since: number): boolean {
    return this.linkDownAt !== undefined || this.linkUpAt >= since;
  }

  /** Follow the connection's own outages (nats.js reconnects by itself; see connectNats). */
  private async watchLink(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect') this.linkDownAt ??= this.clock();
      else if (s.type === 'reconnect') {
        this.linkDownAt = undefined;
        this.linkUpAt = this.clock();
      }
    }
  }

  get connection(): NatsConnection {
    return this.nc;
  }

  request(shardId: string, call: RemoteCall, waitUntil: number): Promise<RemoteReply> {
    if (this.closed || this.nc.isClosed()) return Promise.reject(shardUnavailable(shardId, 'the NATS connection is closed'));
    const remaining = waitUntil - this.clock();
    if (remaining <= 0) return Promise.reject(noReplyInTime(shardId, call.name, waitUntil));
    const inbox = this.inbox ?? this.openInbox();
    let body: Uint8Array;
    let headers: MsgHdrs;
    try {
      body = encodeJson(call.input);
    } catch (error) {
      return Promise.reject(shardUnavailable(shardId, `the input cannot be encoded as JSON: ${String(error)}`));
    }
    try {
      headers = encodeCallHeaders(call);
    } catch (error) {
      return Promise.reject(shardUnavailable(shardId, `publish failed: ${(error as Error).message}`));
    }
    let subject = this.subjects.get(shardId);
    if (subject === undefined) this.subjects.set(shardId, (subject = callSubject(this.prefix, shardId)));
    const id = ++this.sequence;
    const name = call.name;
    if (waitUntil < this.armedFor) this.armExpiry(waitUntil);
    return new Promise<RemoteReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, shardId, name, waitUntil });
      this.outbox.publish(subject, body, inbox + id.toString(36), headers, id);
    });
  }

  abandon(shardId: string, error: Error): void {
    for (const [id, p] of this.pending) {
      if (p.shardId !== shardId) continue;
      this.pending.delete(id);
      p.reject(error);
    }
  }

  async serve(shardId: string, handler: CallHandler): Promise<Served> {
    const sub = this.nc.subscribe(callSubject(this.prefix, shardId), {
      callback: (error, msg) => {
        if (error) this.logger.warn('shard subscription error', { shard: shardId, error: error.message });
        else this.answer(msg, handler);
      },
    });
    this.served.add(sub);
    // Once flushed, the server knows the subscription: a call sent right after start is not a "no responders".
    await this.nc.flush();
    return {
      close: async () => {
        this.served.delete(sub);
        sub.unsubscribe();
        if (!this.nc.isClosed()) await this.nc.flush().catch(() => undefined);
      },
    };
  }

  publishLoad(report: LoadReport): void {
    if (this.closed || this.nc.isClosed()) return;
    const { receivedAt: _local, ...wire } = report;
    this.nc.publish(loadSubject(this.prefix), encodeJson(wire));
  }

  onLoad(listener: (report: LoadReport) => void): () => void {
    this.loadListeners.add(listener);
    this.loadSub ??= this.nc.subscribe(loadSubject(this.prefix), {
      callback: (error, msg) => {
        if (error) return;
        let report: LoadReport;
        try {
          report = decodeJson(msg.data) as LoadReport;
        } catch {
          return;
        }
        if (typeof report?.shardId !== 'string') return;
        for (const l of this.loadListeners) l(report);
      },
    });
    return () => {
      this.loadListeners.delete(listener);
      if (this.loadListeners.size === 0 && this.loadSub) {
        this.loadSub.unsubscribe();
        this.loadSub = undefined;
      }
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const sub of this.served) sub.unsubscribe();
    this.served.clear();
    this.inboxSub?.unsubscribe();
    this.loadSub?.unsubscribe();
    if (this.expiryTimer !== undefined) clearTimeout(this.expiryTimer);
    for (const [id, p] of this.pending) {
      p.reject(shardUnavailable(p.shardId, 'the transport was closed'));
      this.pending.delete(id);
    }
    if (this.ownsConnection && !this.nc.isClosed()) await this.nc.drain().catch(() => this.nc.close());
  }

  private openInbox(): string {
    const inbox = `${createInbox()}.`;
    this.inboxSub = this.nc.subscribe(`${inbox}*`, { callback: (error, msg) => (error ? undefined : this.settle(inbox, msg)) });
    this.inbox = inbox;
    return inbox;
  }

  private settle(inbox: string, msg: Msg): void {
    const id = replyNumber(msg, inbox.length);
    const p = this.pending.get(id);
    if (p === undefined) return; // a reply after its timeout: the caller has moved on
    this.pending.delete(id);
    // The server answers a publish nobody listens to with an empty 503 status message.
    if (msg.data.length === 0 && msg.headers?.code === 503) {
      p.reject(shardUnavailable(p.shardId, 'no responder on its subject'));
      return;
    }
    let reply: RemoteReply | undefined;
    try {
      reply = asReply(readJsonBody(msg));
    } catch {
      reply = undefined;
    }
    if (reply === undefined) p.reject(shardUnavailable(p.shardId, 'its reply is not a Lucent reply'));
    else p.resolve(reply);
  }

  private publishFailed(id: number, error: Error): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.pending.delete(id);
    p.reject(shardUnavailable(p.shardId, `publish failed: ${error.message}`));
  }

  private armExpiry(at: number): void {
    if (this.expiryTimer !== undefined) clearTimeout(this.expiryTimer);
    this.armedFor = at;
    // At least 1 ms: a clock a little behind the timers' must not spin.
    this.expiryTimer = setTimeout(this.expire, Math.max(1, at - this.clock()));
    // The connection, not a wait limit, keeps a process alive while calls are out.
    this.expiryTimer.unref();
  }

  /** Reject every call past its wait limit, then re-arm for the earliest one left. */
  private readonly expire = (): void => {
    this.expiryTimer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    const now = this.clock();
    let next = Number.POSITIVE_INFINITY;
    for (const [id, p] of this.pending) {
      if (p.waitUntil <= now) {
        this.pending.delete(id);
        p.reject(noReplyInTime(p.shardId, p.name, p.waitUntil));
      } else if (p.waitUntil < next) next = p.waitUntil;
    }
    if (next !== Number.POSITIVE_INFINITY && !this.closed) this.armExpiry(next);
  };

  private answer(msg: Msg, handler: CallHandler): void {
    // A call without a reply subject cannot be answered; it is dropped, never run.
    if (!msg.reply) return;
    let call: RemoteCall;
    try {
      call = readCall(msg);
    } catch (error) {
      this.respond(msg, { ok: false, error: serializeError(error, 'remote call') });
      return;
    }
    handler(call).then(
      (reply) => this.respond(msg, reply),
      (error: unknown) => this.respond(msg, { ok: false, error: serializeError(error, call.name) }),
    );
  }

  private respond(msg: Msg, reply: RemoteReply): void {
    if (this.nc.isClosed()) return;
    let body: Uint8Array;
    try {
      body = encodeJson(reply);
    } catch (error) {
      body = encodeJson({ ok: false, error: { code: 'FUNCTION_FAILED', message: `The reply cannot be encoded as JSON: ${String(error)}` } });
    }
    this.outbox.publish(msg.reply!, body);
  }
}
