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
  batchCallLines,
  batchReplyHeaders,
  callSubject,
  decodeJson,
  encodeCallHeaders,
  encodeJson,
  headerBlock,
  loadSubject,
  readBatchReply,
  readIncoming,
  readJsonBody,
  replyNumber,
  type BatchedCall,
  type Incoming,
} from './wireFormat.js';

export interface NatsTransportOptions {
  readonly connection: NatsConnection;
  /** First token of every subject; give each test run (or each cluster sharing a server) its own. */
  readonly subjectPrefix?: string;
  /** Close the connection with the transport (true when the transport opened it). */
  readonly ownsConnection?: boolean;
  readonly clock?: () => number;
  readonly logger?: Logger;
  /**
   * Most calls one batch message carries (default 128; 1 sends every call on its own). Calls for
   * the same shard queued in the same event-loop turn leave as one message; see `docs/distribution.md`.
   */
  readonly maxBatch?: number;
}

/** One call waiting for its reply. Its wait limit is watched by the transport's one shared timer. */
interface Pending {
  readonly resolve: (reply: RemoteReply) => void;
  readonly reject: (error: unknown) => void;
  readonly shardId: string;
  readonly name: string;
  readonly waitUntil: number;
  /** The batch message it left in (its reply number), or 0 when it left on its own. */
  batch: number;
}

/** A batch message out: its calls still waiting, so a 503 or a failed publish can fail them together. */
interface OpenBatch {
  readonly members: readonly number[];
  open: number;
}

/** Replies finished in this turn for one batch message, sent back together. */
interface ReplyGroup {
  readonly ids: string[];
  readonly bodies: Uint8Array[];
}

/** The server answers a publish nobody listens to with an empty 503 status message. */
const noResponders = (msg: Msg): boolean => msg.data.length === 0 && msg.headers?.code === 503;

/** Bytes of inputs (or replies) one batch message carries at most: 256 KiB, or half the server's payload limit if lower (the header lines need room too). */
const maxBatchBytes = 256 * 1024;

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
  /** Batch messages out, by their reply number (taken from the same counter as the calls'). */
  private readonly batches = new Map<number, OpenBatch>();
  /** Calls queued in this turn, by the shard subject they go to. */
  private readonly queued = new Map<string, BatchedCall[]>();
  /** Replies to batch messages finished in this turn, by the batch's reply subject. */
  private readonly replies = new Map<string, ReplyGroup>();
  private readonly maxBatch: number;
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
    this.outbox = new PublishBatcher(
      this.nc,
      (id, error) => this.publishFailed(id, error),
      () => this.gather(),
    );
    this.maxBatch = Math.max(1, options.maxBatch ?? 128);
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
    if (this.inbox === undefined) this.openInbox();
    let body: Uint8Array;
    try {
      body = encodeJson(call.input);
    } catch (error) {
      return Promise.reject(shardUnavailable(shardId, `the input cannot be encoded as JSON: ${String(error)}`));
    }
    let subject = this.subjects.get(shardId);
    if (subject === undefined) this.subjects.set(shardId, (subject = callSubject(this.prefix, shardId)));
    const id = ++this.sequence;
    const name = call.name;
    if (waitUntil < this.armedFor) this.armExpiry(waitUntil);
    let group = this.queued.get(subject);
    if (group === undefined) this.queued.set(subject, (group = []));
    group.push({ id, call, body });
    this.outbox.schedule();
    return new Promise<RemoteReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, shardId, name, waitUntil, batch: 0 });
    });
  }

  /**
   * At the end of the turn: each shard's queued calls leave as one message when there are
   * several (a header line per call, the inputs back to back), alone otherwise; the replies a
   * shard finished for one batch message go back as one. Per-message costs — the publish, the
   * server's routing, the receiver's parse and dispatch — are then paid once per burst, not per call.
   */
  private gather(): void {
    if (this.queued.size > 0) {
      for (const [subject, group] of this.queued) this.sendCalls(subject, group);
      this.queued.clear();
    }
    if (this.replies.size > 0) {
      for (const [subject, group] of this.replies) this.sendReplies(subject, group);
      this.replies.clear();
    }
  }

  /** Bytes of bodies one batch message may carry on this connection. */
  private batchBytes(): number {
    const serverLimit = this.nc.info?.max_payload;
    return typeof serverLimit === 'number' && serverLimit > 0 ? Math.min(maxBatchBytes, serverLimit / 2) : maxBatchBytes;
  }

  private sendCalls(subject: string, group: readonly BatchedCall[]): void {
    const limit = this.batchBytes();
    let lines = '';
    let members: BatchedCall[] = [];
    let bytes = 0;
    const send = (): void => {
      if (members.length === 1) this.sendOne(subject, members[0]!);
      else if (members.length > 1) this.sendBatch(subject, lines, members);
      lines = '';
      members = [];
      bytes = 0;
    };
    for (const c of group) {
      if (!this.pending.has(c.id)) continue; // failed or closed before its turn ended
      if (group.length === 1 || this.maxBatch === 1) {
        this.sendOne(subject, c);
        continue;
      }
      let callLines: string;
      try {
        callLines = batchCallLines(c);
      } catch {
        // A name with a space goes spelled out, on its own; a value with a line break fails there.
        this.sendOne(subject, c);
        continue;
      }
      if (members.length > 0 && (members.length >= this.maxBatch || bytes + c.body.byteLength > limit)) send();
      lines += callLines;
      members.push(c);
      bytes += c.body.byteLength;
    }
    send();
  }

  private sendOne(subject: string, c: BatchedCall): void {
    let headers: MsgHdrs;
    try {
      headers = encodeCallHeaders(c.call);
    } catch (error) {
      this.publishFailed(c.id, error as Error);
      return;
    }
    this.outbox.publish(subject, c.body, this.inbox! + c.id.toString(36), headers, c.id);
  }

  private sendBatch(subject: string, lines: string, calls: readonly BatchedCall[]): void {
    const batch = ++this.sequence;
    const members: number[] = [];
    const bodies: Uint8Array[] = [];
    for (const c of calls) {
      this.pending.get(c.id)!.batch = batch;
      members.push(c.id);
      bodies.push(c.body);
    }
    this.batches.set(batch, { members, open: members.length });
    this.outbox.publish(subject, Buffer.concat(bodies), this.inbox! + batch.toString(36), headerBlock(lines), batch);
  }

  /** One message per run of replies that fits the byte limit (usually all of them). */
  private sendReplies(subject: string, { ids, bodies }: ReplyGroup): void {
    const limit = this.batchBytes();
    const publish = (from: number, to: number): void => {
      const part = bodies.slice(from, to);
      this.outbox.publish(subject, Buffer.concat(part), undefined, batchReplyHeaders(ids.slice(from, to), part));
    };
    let from = 0;
    let bytes = 0;
    for (let i = 0; i < ids.length; i++) {
      const size = bodies[i]!.byteLength;
      if (i > from && bytes + size > limit) {
        publish(from, i);
        from = i;
        bytes = 0;
      }
      bytes += size;
    }
    publish(from, ids.length);
  }

  /** Remove a waiting call (when it settles or fails), keeping its batch's count of open calls. */
  private take(id: number): Pending | undefined {
    const p = this.pending.get(id);
    if (p === undefined) return undefined;
    this.pending.delete(id);
    if (p.batch !== 0) {
      const b = this.batches.get(p.batch);
      if (b !== undefined && --b.open === 0) this.batches.delete(p.batch);
    }
    return p;
  }

  abandon(shardId: string, error: Error): void {
    for (const [id, p] of this.pending) {
      if (p.shardId !== shardId) continue;
      this.take(id);
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
    this.batches.clear();
    this.queued.clear();
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
    const p = this.take(id);
    if (p === undefined) {
      const batch = this.batches.get(id);
      // Otherwise a reply after its timeout: the caller has moved on.
      if (batch !== undefined) this.settleBatch(id, batch, msg);
      return;
    }
    if (noResponders(msg)) {
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

  /** Replies to a batch message: each listed one settles its own call; a 503 fails them all at once. */
  private settleBatch(batchId: number, batch: OpenBatch, msg: Msg): void {
    if (noResponders(msg)) {
      this.failBatch(batch, (p) => shardUnavailable(p.shardId, 'no responder on its subject'));
      return;
    }
    let replies: ReturnType<typeof readBatchReply>;
    try {
      replies = readBatchReply(msg);
    } catch {
      replies = undefined;
    }
    if (replies === undefined) {
      this.failBatch(batch, (p) => shardUnavailable(p.shardId, 'its reply is not a Lucent reply'));
      return;
    }
    for (const r of replies) {
      // Only calls of this batch: a reply cannot settle a call it was not sent for.
      if (this.pending.get(r.id)?.batch !== batchId) continue;
      const p = this.take(r.id)!;
      const reply = r.unreadable ? undefined : asReply(r.value);
      if (reply === undefined) p.reject(shardUnavailable(p.shardId, 'its reply is not a Lucent reply'));
      else p.resolve(reply);
    }
  }

  private failBatch(batch: OpenBatch, error: (p: Pending) => Error): void {
    for (const id of batch.members) {
      const p = this.take(id);
      if (p !== undefined) p.reject(error(p));
    }
  }

  private publishFailed(id: number, error: Error): void {
    const batch = this.batches.get(id);
    if (batch !== undefined) {
      this.failBatch(batch, (p) => shardUnavailable(p.shardId, `publish failed: ${error.message}`));
      return;
    }
    const p = this.take(id);
    if (p === undefined) return;
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
        this.take(id);
        p.reject(noReplyInTime(p.shardId, p.name, p.waitUntil));
      } else if (p.waitUntil < next) next = p.waitUntil;
    }
    if (next !== Number.POSITIVE_INFINITY && !this.closed) this.armExpiry(next);
  };

  private answer(msg: Msg, handler: CallHandler): void {
    // A call without a reply subject cannot be answered; it is dropped, never run.
    const to = msg.reply;
    if (!to) return;
    let incoming: Incoming;
    try {
      incoming = readIncoming(msg);
    } catch (error) {
      this.respond(to, undefined, { ok: false, error: serializeError(error, 'remote call') });
      return;
    }
    if (!incoming.batch) {
      const call = incoming.call;
      handler(call).then(
        (reply) => this.respond(to, undefined, reply),
        (error: unknown) => this.respond(to, undefined, { ok: false, error: serializeError(error, call.name) }),
      );
      return;
    }
    // Each call of a batch runs and answers on its own: a slow one holds back no other.
    for (const entry of incoming.entries) {
      const { id, call } = entry;
      if (call === undefined) {
        this.respond(to, id, { ok: false, error: serializeError(entry.error, 'remote call') });
        continue;
      }
      handler(call).then(
        (reply) => this.respond(to, id, reply),
        (error: unknown) => this.respond(to, id, { ok: false, error: serializeError(error, call.name) }),
      );
    }
  }

  /** Send a reply: alone to its own subject, or (`batchId` given) queued with the others of its batch finished this turn. */
  private respond(to: string, batchId: string | undefined, reply: RemoteReply): void {
    if (this.nc.isClosed()) return;
    let body: Uint8Array;
    try {
      body = encodeJson(reply);
    } catch (error) {
      body = encodeJson({ ok: false, error: { code: 'FUNCTION_FAILED', message: `The reply cannot be encoded as JSON: ${String(error)}` } });
    }
    if (batchId === undefined) {
      this.outbox.publish(to, body);
      return;
    }
    let group = this.replies.get(to);
    if (group === undefined) this.replies.set(to, (group = { ids: [], bodies: [] }));
    group.ids.push(batchId);
    group.bodies.push(body);
    this.outbox.schedule();
  }
}
