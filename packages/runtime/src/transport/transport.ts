// The transport port: send one call to a named shard and get its reply; serve calls on a shard; carry load reports.
import type { BusinessMetadata, DomainEvent, LoadReport, SerializedError } from '@lucent/core';

/** One call as it crosses the wire. Everything the shard needs to run the function exactly as the caller asked. */
export interface RemoteCall {
  readonly name: string;
  /** Exact version; the shard's active one when absent. */
  readonly version?: string;
  readonly input: unknown;
  /** The caller's absolute deadline, epoch ms: the shard stops working for it after this. */
  readonly deadline: number;
  readonly correlationId: string;
  readonly causationId?: string;
  /** W3C trace context of the caller's span. */
  readonly traceparent?: string;
  /** 1 for the first try; a retry on another shard counts up. */
  readonly attempt: number;
  readonly business?: BusinessMetadata;
  /**
   * The caller's clock reading for the function's `ctx.now()`. Sent so that a retry on another
   * shard sees the same context and, the function being pure, returns the same result.
   */
  readonly now?: number;
}

/** What the shard answers: the function's result, or its typed error as data. */
export type RemoteReply =
  | {
      readonly ok: true;
      readonly output: unknown;
      readonly events: readonly DomainEvent[];
      /** The version that ran. Absent from shards older than this field: the caller then names the one it asked for. */
      readonly version?: string;
    }
  | { readonly ok: false; readonly error: SerializedError };

export type CallHandler = (call: RemoteCall) => Promise<RemoteReply>;

export interface Served {
  /** Stop taking calls on this shard's subject. Calls already running still reply. */
  close(): Promise<void>;
}

/**
 * The port. `request` resolves with the shard's reply (a function error is a reply, not a
 * rejection) and rejects only with a transport failure, as a LucentError: `UNAVAILABLE`
 * (nobody serves that shard, connection lost) or `DEADLINE_EXCEEDED` (no reply by `waitUntil`).
 * Both mean "this shard did not answer": the caller may try another.
 */
export interface Transport {
  request(shardId: string, call: RemoteCall, waitUntil: number): Promise<RemoteReply>;
  /**
   * Fail every `request` still waiting on this shard with `error`, now: the caller learned another
   * way (its reports stopped) that no reply is coming, and moves on instead of waiting out the limit.
   */
  abandon(shardId: string, error: Error): void;
  serve(shardId: string, handler: CallHandler): Promise<Served>;
  /** Publish a shard's load report on the discovery channel (fire and forget). */
  publishLoad(report: LoadReport): void;
  /** Hear every shard's load reports; returns the function that stops listening. */
  onLoad(listener: (report: LoadReport) => void): () => void;
  /**
   * Whether this end's own link (to the broker) has been down at any moment since `since` (epoch
   * ms). A call that failed across such an outage says nothing about the shard it was sent to, so
   * the caller does not hold it against that shard. Transports without a link of their own omit it.
   */
  linkDownSince?(since: number): boolean;
  close(): Promise<void>;
}
