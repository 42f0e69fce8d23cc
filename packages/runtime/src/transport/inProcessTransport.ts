// The embedded transport: shards and callers in one process, with the wire's semantics (JSON copies, deadlines, no responders).
import type { LoadReport } from '@lucent/core';
import type { CallHandler, RemoteCall, RemoteReply, Served, Transport } from './transport.js';
import { noReplyInTime, shardUnavailable } from './wireErrors.js';

// A JSON round trip gives callers and shards the same view of a value as NATS would (no shared objects, no Dates).
const overTheWire = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export interface InProcessTransportOptions {
  readonly clock?: () => number;
}

interface Waiting {
  readonly shardId: string;
  fail(error: Error): void;
}

export class InProcessTransport implements Transport {
  private readonly handlers = new Map<string, CallHandler>();
  private readonly waiting = new Set<Waiting>();
  private readonly listeners = new Set<(report: LoadReport) => void>();
  private readonly clock: () => number;
  private closed = false;

  constructor(options: InProcessTransportOptions = {}) {
    this.clock = options.clock ?? Date.now;
  }

  request(shardId: string, call: RemoteCall, waitUntil: number): Promise<RemoteReply> {
    const handler = this.handlers.get(shardId);
    if (this.closed) return Promise.reject(shardUnavailable(shardId, 'the transport is closed'));
    if (handler === undefined) return Promise.reject(shardUnavailable(shardId, 'no responder'));
    const remaining = waitUntil - this.clock();
    if (remaining <= 0) return Promise.reject(noReplyInTime(shardId, call.name, waitUntil));
    let sent: RemoteCall;
    try {
      sent = overTheWire(call);
    } catch (error) {
      return Promise.reject(shardUnavailable(shardId, `call cannot be encoded: ${String(error)}`));
    }
    return new Promise((resolve, reject) => {
      const waiting: Waiting = { shardId, fail: (error) => settle(() => reject(error)) };
      const settle = (then: () => void): void => {
        if (!this.waiting.delete(waiting)) return;
        clearTimeout(timer);
        then();
      };
      const timer = setTimeout(() => settle(() => reject(noReplyInTime(shardId, call.name, waitUntil))), remaining);
      this.waiting.add(waiting);
      handler(sent).then(
        (reply) => settle(() => resolve(overTheWire(reply))),
        (error: unknown) => settle(() => reject(shardUnavailable(shardId, `handler crashed: ${String(error)}`))),
      );
    });
  }

  abandon(shardId: string, error: Error): void {
    for (const w of [...this.waiting]) if (w.shardId === shardId) w.fail(error);
  }

  serve(shardId: string, handler: CallHandler): Promise<Served> {
    if (this.handlers.has(shardId)) return Promise.reject(new Error(`Shard ${shardId} is already served here`));
    this.handlers.set(shardId, handler);
    return Promise.resolve({
      close: () => {
        if (this.handlers.get(shardId) === handler) this.handlers.delete(shardId);
        return Promise.resolve();
      },
    });
  }

  publishLoad(report: LoadReport): void {
    if (this.closed) return;
    const copy = overTheWire(report);
    // Delivered later, like a broker would, so a publisher never runs listeners inside its own call.
    queueMicrotask(() => {
      for (const listener of this.listeners) listener(copy);
    });
  }

  onLoad(listener: (report: LoadReport) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): Promise<void> {
    this.closed = true;
    this.handlers.clear();
    this.listeners.clear();
    return Promise.resolve();
  }
}
