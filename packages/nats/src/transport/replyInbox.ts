// The caller's one wildcard reply subscription: each reply (or batch reply) settles the waiting calls it answers.
import { shardUnavailable, type RemoteReply } from '@lucent/runtime';
import { createInbox } from 'nats';
import type { PendingCalls } from './pendingCalls.js';
import type { DeliveredMsg, OpenSubscription, SubscribingConnection } from './subscribingConnection.js';
import { asReply } from './wire/jsonBody.js';
import { readBatchReply } from './wire/batchReplies.js';
import { readJsonBody, replyNumber } from './wire/readMessage.js';

/** The server answers a publish nobody listens to with an empty 503 status message. */
const noResponders = (msg: DeliveredMsg): boolean => msg.data.length === 0 && msg.headers?.code === 503;

const notLucent = 'its reply is not a Lucent reply';

/**
 * Why not `nc.request()` per call: it creates a subscription-side promise and captures an async
 * stack trace per call, which BENCHMARKS.md measures at a fraction of a plain pub/sub RPC. Here
 * one wildcard subscription, opened with the first call, serves every reply: a call's reply
 * subject is the inbox followed by its number in base 36.
 */
export class ReplyInbox {
  private inbox: string | undefined;
  private sub: OpenSubscription | undefined;

  constructor(
    private readonly nc: SubscribingConnection,
    private readonly pending: PendingCalls,
  ) {}

  /** The reply subject for call or batch number `id`. */
  subjectFor(id: number): string {
    return (this.inbox ?? this.open()) + id.toString(36);
  }

  close(): void {
    this.sub?.unsubscribe();
  }

  private open(): string {
    const inbox = `${createInbox()}.`;
    this.sub = this.nc.subscribe(`${inbox}*`, { callback: (error, msg) => (error ? undefined : this.settle(inbox, msg)) });
    this.inbox = inbox;
    return inbox;
  }

  private settle(inbox: string, msg: DeliveredMsg): void {
    const id = replyNumber(msg.subject, inbox.length);
    const p = this.pending.take(id);
    if (p === undefined) {
      // Otherwise a reply after its timeout: the caller has moved on.
      if (this.pending.isBatch(id)) this.settleBatch(id, msg);
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
    if (reply === undefined) p.reject(shardUnavailable(p.shardId, notLucent));
    else p.resolve(reply);
  }

  /** Replies to a batch message: each listed one settles its own call; a 503 fails them all at once. */
  private settleBatch(batchId: number, msg: DeliveredMsg): void {
    if (noResponders(msg)) {
      this.pending.fail(batchId, (p) => shardUnavailable(p.shardId, 'no responder on its subject'));
      return;
    }
    let replies: ReturnType<typeof readBatchReply>;
    try {
      replies = readBatchReply(msg);
    } catch {
      replies = undefined;
    }
    if (replies === undefined) {
      this.pending.fail(batchId, (p) => shardUnavailable(p.shardId, notLucent));
      return;
    }
    for (const r of replies) {
      const p = this.pending.takeFromBatch(batchId, r.id);
      if (p === undefined) continue;
      const reply = r.unreadable ? undefined : asReply(r.value);
      if (reply === undefined) p.reject(shardUnavailable(p.shardId, notLucent));
      else p.resolve(reply);
    }
  }
}
