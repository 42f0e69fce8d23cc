// The calls a caller is waiting on: matched to replies by number, failed together by batch, expired by one shared timer.
import { noReplyInTime, type RemoteReply } from '@lucent/runtime';

/** One call waiting for its reply. */
export interface Pending {
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

/**
 * Calls by the number their reply subject ends with; batch messages by theirs (taken from the
 * same counter). Wait limits share one timer, armed for the earliest: a timer per call (set,
 * then cleared on the reply) cost as much as matching the reply.
 */
export class PendingCalls {
  private readonly calls = new Map<number, Pending>();
  private readonly batches = new Map<number, OpenBatch>();
  private expiryTimer: NodeJS.Timeout | undefined;
  private armedFor = Number.POSITIVE_INFINITY;
  private closed = false;

  constructor(private readonly clock: () => number) {}

  /** Wait for call `id`'s reply until `waitUntil`, when it fails with NO_REPLY_IN_TIME. */
  add(id: number, shardId: string, name: string, waitUntil: number): Promise<RemoteReply> {
    if (waitUntil < this.armedFor) this.armExpiry(waitUntil);
    return new Promise<RemoteReply>((resolve, reject) => {
      this.calls.set(id, { resolve, reject, shardId, name, waitUntil, batch: 0 });
    });
  }

  /** How many calls wait for a reply. */
  get size(): number {
    return this.calls.size;
  }

  /** Whether call `id` still waits (not failed or closed before it could leave). */
  has(id: number): boolean {
    return this.calls.has(id);
  }

  /** The calls `members` left together in the batch message numbered `batch`. */
  openBatch(batch: number, members: readonly number[]): void {
    for (const id of members) this.calls.get(id)!.batch = batch;
    this.batches.set(batch, { members, open: members.length });
  }

  /** Remove a waiting call (when it settles or fails), keeping its batch's count of open calls. */
  take(id: number): Pending | undefined {
    const p = this.calls.get(id);
    if (p === undefined) return undefined;
    this.calls.delete(id);
    if (p.batch !== 0) {
      const b = this.batches.get(p.batch);
      if (b !== undefined && --b.open === 0) this.batches.delete(p.batch);
    }
    return p;
  }

  /** Whether `id` numbers a batch message with calls still waiting. */
  isBatch(id: number): boolean {
    return this.batches.has(id);
  }

  /** Take call `id` only if it left in batch `batch`: a batch's reply cannot settle a call it was not sent for. */
  takeFromBatch(batch: number, id: number): Pending | undefined {
    return this.calls.get(id)?.batch === batch ? this.take(id) : undefined;
  }

  /** Fail a call, or (when `id` numbers a batch message) every call of that batch still waiting. */
  fail(id: number, error: (p: Pending) => Error): void {
    const batch = this.batches.get(id);
    if (batch !== undefined) {
      for (const member of batch.members) {
        const p = this.take(member);
        if (p !== undefined) p.reject(error(p));
      }
      return;
    }
    const p = this.take(id);
    if (p !== undefined) p.reject(error(p));
  }

  /** Fail every call waiting on one shard. */
  abandon(shardId: string, error: Error): void {
    for (const [id, p] of this.calls) {
      if (p.shardId !== shardId) continue;
      this.take(id);
      p.reject(error);
    }
  }

  /** Fail every waiting call and stop the timer; later calls are refused before they get here. */
  close(error: (p: Pending) => Error): void {
    this.closed = true;
    if (this.expiryTimer !== undefined) clearTimeout(this.expiryTimer);
    for (const p of this.calls.values()) p.reject(error(p));
    this.calls.clear();
    this.batches.clear();
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
    for (const [id, p] of this.calls) {
      if (p.waitUntil <= now) {
        this.take(id);
        p.reject(noReplyInTime(p.shardId, p.name, p.waitUntil));
      } else if (p.waitUntil < next) next = p.waitUntil;
    }
    if (next !== Number.POSITIVE_INFINITY && !this.closed) this.armExpiry(next);
  };
}
