// Coalesces the publishes of one burst of work into a single socket write.
import type { MsgHdrs, NatsConnection, PublishOptions, ServerInfo } from 'nats';

/**
 * One queued message. It is also the options object handed to nats.js (which reads `reply` and
 * `headers` and writes `reply` back), so no separate options object is built for each publish.
 */
interface Outgoing extends PublishOptions {
  readonly subject: string;
  readonly data: Uint8Array;
  /** Passed back to `onFail` when nats.js refuses the message (too large, connection closed). */
  readonly token: number | undefined;
}

/** Bytes of inputs (or replies) one batch message carries at most: 256 KiB, or half the server's payload limit if lower (the header lines need room too). */
const maxBatchBytes = 256 * 1024;

/** What sizing a batch reads of a connection (a nats.js `NatsConnection` has it): the server's payload limit, once connected. */
export interface PayloadLimit {
  readonly info?: Pick<ServerInfo, 'max_payload'>;
}

/** What the batcher uses of a connection (a nats.js `NatsConnection` has it): publishing, and the server's payload limit. */
export type PublishingConnection = Pick<NatsConnection, 'publish'> & PayloadLimit;

/** Bytes of bodies one batch message may carry on this connection. */
export function maxBodyBytes(nc: PayloadLimit): number {
  const serverLimit = nc.info?.max_payload;
  return typeof serverLimit === 'number' && serverLimit > 0 ? Math.min(maxBatchBytes, serverLimit / 2) : maxBatchBytes;
}

/**
 * nats.js writes its buffer to the socket one microtask after the first publish. A Lucent call
 * passes through several awaits before it publishes, so with 64 calls in flight each reply
 * burst used to leave as many small writes (a syscall each, measured as a quarter of the CPU).
 * Queueing here and publishing from `setImmediate` — which runs once the event loop has handled
 * every I/O event of its current poll — hands nats.js everything the loop iteration produced
 * before its flush: the calls of a burst made in one callback, and also the calls of requests
 * that arrived on different sockets in the same poll (an HTTP gateway's: with `process.nextTick`
 * each request's call left in a message and a socket write of its own, and those writes were a
 * fifth to a quarter of the gateway's profile).
 *
 * Waiting for the loop's check phase costs a lone message a loop turn, though — and a remote call
 * alone pays it twice, on the caller and on the shard's reply (`remote.seq` p50 1.25× a bare
 * NATS request, against 1.05× flushing from `process.nextTick`). So an owner that knows nothing
 * else is under way asks for `soon`: the flush then runs from `process.nextTick`, after the
 * current callback and its microtasks — the calls of a burst made there still leave together —
 * and the batching across callbacks is kept for the times it pays, when other work is in flight.
 */
export class PublishBatcher {
  private queue: Outgoing[] = [];
  /** A flush is due from `process.nextTick` (`tick`) or `setImmediate` (`immediate`); a flush that finds nothing queued does nothing. */
  private tick = false;
  private immediate = false;

  constructor(
    private readonly nc: PublishingConnection,
    private readonly onFail: (token: number, error: Error) => void = () => undefined,
    /** Runs first in each flush, to publish what its owner gathered during the turn (calls and replies it packs into batches). */
    private readonly gather: () => void = () => undefined,
  ) {}

  /** Queue a message; `soon` as for `schedule`. */
  publish(subject: string, data: Uint8Array, reply?: string, headers?: MsgHdrs, token?: number, soon = false): void {
    this.queue.push({ subject, data, reply, headers, token });
    this.schedule(soon);
  }

  /**
   * Make sure a flush is coming (also for an owner that gathers work of its own for `gather`):
   * at the end of the loop iteration, or with `soon` once the current callback and its
   * microtasks are done (for an owner with nothing else in flight, whose message would
   * otherwise wait a loop turn for no batch).
   */
  schedule(soon = false): void {
    if (soon) {
      if (!this.tick) {
        this.tick = true;
        process.nextTick(this.flushFromTick);
      }
    } else if (!this.tick && !this.immediate) {
      this.immediate = true;
      setImmediate(this.flushFromImmediate);
    }
  }

  private readonly flushFromTick = (): void => this.flush(true);
  private readonly flushFromImmediate = (): void => this.flush(false);

  private flush(fromTick: boolean): void {
    // The flag is cleared only once `gather` ran, so what it publishes rides on this flush.
    try {
      this.gather();
    } finally {
      if (fromTick) this.tick = false;
      else this.immediate = false;
    }
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    for (const o of batch) {
      try {
        if (o.reply === undefined && o.headers === undefined) this.nc.publish(o.subject, o.data);
        else this.nc.publish(o.subject, o.data, o);
      } catch (error) {
        if (o.token !== undefined) this.onFail(o.token, error as Error);
      }
    }
  }
}
