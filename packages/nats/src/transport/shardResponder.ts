// The shard side: calls arriving on a shard's subject are run by its handler and answered, a batch's replies gathered into one message.
import type { Logger } from '@lucent/core';
import { serializeError, type CallHandler, type RemoteCall, type RemoteReply, type Served } from '@lucent/runtime';
import type { NatsConnection } from 'nats';
import { maxBodyBytes, type PayloadLimit, type PublishBatcher } from './publishBatcher.js';
import type { DeliveredMsg, OpenSubscription, SubscribingConnection } from './subscribingConnection.js';
import { batchReplyHeaders } from './wire/batchReplies.js';
import { callSubject } from './wire/headerNames.js';
import { encodeJson } from './wire/jsonBody.js';
import { readIncoming, type Incoming } from './wire/readMessage.js';

/** Replies finished in this turn for one batch message, sent back together. */
interface ReplyGroup {
  readonly ids: string[];
  readonly bodies: Uint8Array[];
}

/** What serving uses of a connection (a nats.js `NatsConnection` has it). */
export type ServingConnection = SubscribingConnection & PayloadLimit & Pick<NatsConnection, 'flush' | 'isClosed'>;

export class ShardResponder {
  private readonly served = new Set<OpenSubscription>();
  /** Replies to batch messages finished in this turn, by the batch's reply subject. */
  private readonly replies = new Map<string, ReplyGroup>();
  /** Calls being run now: the reply that finds none left running goes out at once, not at the end of the loop iteration. */
  private running = 0;

  constructor(
    private readonly nc: ServingConnection,
    private readonly prefix: string,
    private readonly outbox: PublishBatcher,
    private readonly logger: Logger,
  ) {}

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

  /** At the end of the turn: the replies each batch message got in it, as one message per batch (split only past the byte limit). */
  flush(): void {
    if (this.replies.size === 0) return;
    for (const [subject, group] of this.replies) this.sendReplies(subject, group);
    this.replies.clear();
  }

  close(): void {
    for (const sub of this.served) sub.unsubscribe();
    this.served.clear();
  }

  private answer(msg: DeliveredMsg, handler: CallHandler): void {
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
      this.run(handler, incoming.call, to, undefined);
      return;
    }
    // Each call of a batch runs and answers on its own: a slow one holds back no other.
    for (const entry of incoming.entries) {
      const { id, call } = entry;
      if (call === undefined) {
        this.respond(to, id, { ok: false, error: serializeError(entry.error, 'remote call') });
        continue;
      }
      this.run(handler, call, to, id);
    }
  }

  /** Run one call and answer it, counted as running until its reply is queued. */
  private run(handler: CallHandler, call: RemoteCall, to: string, batchId: string | undefined): void {
    this.running++;
    const finished = (reply: RemoteReply): void => {
      this.running--;
      this.respond(to, batchId, reply);
    };
    let result: Promise<RemoteReply>;
    try {
      result = handler(call);
    } catch (error) {
      result = Promise.reject(error);
    }
    result.then(finished, (error: unknown) => finished({ ok: false, error: serializeError(error, call.name) }));
  }

  /**
   * Send a reply: alone to its own subject, or (`batchId` given) queued with the others of its batch
   * finished this turn. It leaves at the end of the loop iteration with every other reply of it, or,
   * when no call is left running, once the current callback and its microtasks are done.
   */
  private respond(to: string, batchId: string | undefined, reply: RemoteReply): void {
    if (this.nc.isClosed()) return;
    let body: Uint8Array;
    try {
      body = encodeJson(reply);
    } catch (error) {
      body = encodeJson({ ok: false, error: { code: 'FUNCTION_FAILED', message: `The reply cannot be encoded as JSON: ${String(error)}` } });
    }
    const soon = this.running === 0;
    if (batchId === undefined) {
      this.outbox.publish(to, body, undefined, undefined, undefined, soon);
      return;
    }
    let group = this.replies.get(to);
    if (group === undefined) this.replies.set(to, (group = { ids: [], bodies: [] }));
    group.ids.push(batchId);
    group.bodies.push(body);
    this.outbox.schedule(soon);
  }

  /** One message per run of replies that fits the byte limit (usually all of them). */
  private sendReplies(subject: string, { ids, bodies }: ReplyGroup): void {
    const limit = maxBodyBytes(this.nc);
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
}
