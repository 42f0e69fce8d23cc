// The caller's outgoing calls: queued per shard during a turn, then sent alone or packed into batch messages.
import { shardUnavailable, type RemoteCall, type RemoteReply } from '@lucent/runtime';
import type { PendingCalls } from './pendingCalls.js';
import { maxBodyBytes, type PayloadLimit, type PublishBatcher } from './publishBatcher.js';
import type { ReplyInbox } from './replyInbox.js';
import { batchCallHeaders, batchCallLines, type BatchLines, type BatchedCall } from './wire/batchCalls.js';
import { encodeCallHeaders } from './wire/callHeaders.js';
import { callSubject } from './wire/headerNames.js';

/**
 * At the end of the turn (`flush`, from the publish batcher): each shard's queued calls leave as
 * one message when there are several (a header line per call, the inputs back to back), alone
 * otherwise. Per-message costs — the publish, the server's routing, the receiver's parse and
 * dispatch — are then paid once per burst, not per call.
 */
export class OutgoingCalls {
  /** Calls queued in this turn, by the shard subject they go to. */
  private readonly queued = new Map<string, BatchedCall[]>();
  private readonly subjects = new Map<string, string>();
  /** Numbers both calls and batch messages: a reply subject ends with one. */
  private sequence = 0;

  constructor(
    /** Read for the server's payload limit only; messages leave through `outbox`. */
    private readonly nc: PayloadLimit,
    private readonly prefix: string,
    private readonly maxBatch: number,
    private readonly pending: PendingCalls,
    private readonly inbox: Pick<ReplyInbox, 'subjectFor'>,
    private readonly outbox: PublishBatcher,
  ) {}

  /**
   * Queue a call (its input already JSON) and wait for its reply. It leaves at the end of the loop
   * iteration with the other calls made in it; or, when no other call is waiting for a reply,
   * as soon as the current callback and its microtasks are done (a lone call does not wait a loop
   * turn; the calls of a burst made in one callback still leave together).
   */
  send(shardId: string, call: RemoteCall, body: Uint8Array, waitUntil: number): Promise<RemoteReply> {
    let subject = this.subjects.get(shardId);
    if (subject === undefined) this.subjects.set(shardId, (subject = callSubject(this.prefix, shardId)));
    const id = ++this.sequence;
    let group = this.queued.get(subject);
    if (group === undefined) this.queued.set(subject, (group = []));
    group.push({ id, call, body });
    this.outbox.schedule(this.pending.size === 0);
    return this.pending.add(id, shardId, call.name, waitUntil);
  }

  flush(): void {
    if (this.queued.size === 0) return;
    for (const [subject, group] of this.queued) this.sendGroup(subject, group);
    this.queued.clear();
  }

  /** A call, or every call of a batch message, that could not be published (too large, connection closed). */
  publishFailed(id: number, error: Error): void {
    this.pending.fail(id, (p) => shardUnavailable(p.shardId, `publish failed: ${error.message}`));
  }

  /** Drop what is queued (the transport is closing; its calls have been failed). */
  clear(): void {
    this.queued.clear();
  }

  private sendGroup(subject: string, group: readonly BatchedCall[]): void {
    const limit = maxBodyBytes(this.nc);
    let lines: BatchLines[] = [];
    let members: BatchedCall[] = [];
    let bytes = 0;
    const send = (): void => {
      if (members.length === 1) this.sendOne(subject, members[0]!);
      else if (members.length > 1) this.sendBatch(subject, lines, members);
      lines = [];
      members = [];
      bytes = 0;
    };
    for (const c of group) {
      if (!this.pending.has(c.id)) continue; // failed or closed before its turn ended
      if (group.length === 1 || this.maxBatch === 1) {
        this.sendOne(subject, c);
        continue;
      }
      let callLines: BatchLines;
      try {
        callLines = batchCallLines(c);
      } catch {
        // A name with a space goes spelled out, on its own; a value with a line break fails there.
        this.sendOne(subject, c);
        continue;
      }
      if (members.length > 0 && (members.length >= this.maxBatch || bytes + c.body.byteLength > limit)) send();
      lines.push(callLines);
      members.push(c);
      bytes += c.body.byteLength;
    }
    send();
  }

  private sendOne(subject: string, c: BatchedCall): void {
    let headers;
    try {
      headers = encodeCallHeaders(c.call);
    } catch (error) {
      this.publishFailed(c.id, error as Error);
      return;
    }
    this.outbox.publish(subject, c.body, this.inbox.subjectFor(c.id), headers, c.id);
  }

  private sendBatch(subject: string, lines: readonly BatchLines[], calls: readonly BatchedCall[]): void {
    const batch = ++this.sequence;
    const members: number[] = [];
    const bodies: Uint8Array[] = [];
    for (const c of calls) {
      members.push(c.id);
      bodies.push(c.body);
    }
    this.pending.openBatch(batch, members);
    this.outbox.publish(subject, Buffer.concat(bodies), this.inbox.subjectFor(batch), batchCallHeaders(lines), batch);
  }
}
