// The NATS transport: calls published to the chosen shard's own subject, replies on one wildcard inbox matched by number.
import { silentLogger, type LoadReport, type Logger } from '@lucent/core';
import { noReplyInTime, shardUnavailable, type CallHandler, type RemoteCall, type RemoteReply, type Served, type Transport } from '@lucent/runtime';
import type { NatsConnection } from 'nats';
import { LoadReports } from './loadReports.js';
import { OutgoingCalls } from './outgoingCalls.js';
import { PendingCalls } from './pendingCalls.js';
import { PublishBatcher } from './publishBatcher.js';
import { ReplyInbox } from './replyInbox.js';
import { ShardResponder } from './shardResponder.js';
import { encodeJson } from './wire/jsonBody.js';

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

/**
 * The wiring of the parts, each in its own file: `OutgoingCalls` queues and packs calls,
 * `ReplyInbox` settles them from replies, `PendingCalls` holds them until then (and expires them),
 * `ShardResponder` serves shards, `LoadReports` carries load, and one `PublishBatcher` hands
 * nats.js every message of a turn before its flush.
 */
export class NatsTransport implements Transport {
  readonly prefix: string;
  private readonly nc: NatsConnection;
  private readonly ownsConnection: boolean;
  private readonly clock: () => number;
  private readonly pending: PendingCalls;
  private readonly inbox: ReplyInbox;
  private readonly calls: OutgoingCalls;
  private readonly responder: ShardResponder;
  private readonly load: LoadReports;
  private closed = false;
  /** Since when the connection has been down (undefined while up), and when the last outage ended. */
  private linkDownAt: number | undefined;
  private linkUpAt = Number.NEGATIVE_INFINITY;

  constructor(options: NatsTransportOptions) {
    this.nc = options.connection;
    this.prefix = options.subjectPrefix ?? 'lucent';
    this.ownsConnection = options.ownsConnection ?? false;
    this.clock = options.clock ?? Date.now;
    const outbox = new PublishBatcher(
      this.nc,
      (id, error) => this.calls.publishFailed(id, error),
      () => {
        this.calls.flush();
        this.responder.flush();
      },
    );
    this.pending = new PendingCalls(this.clock);
    this.inbox = new ReplyInbox(this.nc, this.pending);
    this.calls = new OutgoingCalls(this.nc, this.prefix, Math.max(1, options.maxBatch ?? 128), this.pending, this.inbox, outbox);
    this.responder = new ShardResponder(this.nc, this.prefix, outbox, options.logger ?? silentLogger);
    this.load = new LoadReports(this.nc, this.prefix);
    this.watchLink().catch(() => undefined);
  }

  get connection(): NatsConnection {
    return this.nc;
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

  request(shardId: string, call: RemoteCall, waitUntil: number): Promise<RemoteReply> {
    if (this.closed || this.nc.isClosed()) return Promise.reject(shardUnavailable(shardId, 'the NATS connection is closed'));
    if (waitUntil - this.clock() <= 0) return Promise.reject(noReplyInTime(shardId, call.name, waitUntil));
    let body: Uint8Array;
    try {
      body = encodeJson(call.input);
    } catch (error) {
      return Promise.reject(shardUnavailable(shardId, `the input cannot be encoded as JSON: ${String(error)}`));
    }
    return this.calls.send(shardId, call, body, waitUntil);
  }

  abandon(shardId: string, error: Error): void {
    this.pending.abandon(shardId, error);
  }

  serve(shardId: string, handler: CallHandler): Promise<Served> {
    return this.responder.serve(shardId, handler);
  }

  publishLoad(report: LoadReport): void {
    if (this.closed || this.nc.isClosed()) return;
    this.load.publish(report);
  }

  onLoad(listener: (report: LoadReport) => void): () => void {
    return this.load.listen(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.responder.close();
    this.inbox.close();
    this.load.close();
    this.pending.close((p) => shardUnavailable(p.shardId, 'the transport was closed'));
    this.calls.clear();
    if (this.ownsConnection && !this.nc.isClosed()) await this.nc.drain().catch(() => this.nc.close());
  }
}
