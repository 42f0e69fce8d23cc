// What a ClusterClient is built with, and the invoke options a remote call reads.
import type { LivenessOptions, Logger, RoutingRule, RoutingTuning, FunctionMap } from '@lucent/core';
import type { InvokeOptions } from '../invoker/invoker.js';
import type { Transport } from '../transport/transport.js';
import type { ClusterRegistry } from './clusterRegistry.js';
import type { BreakerOptions } from './shardBreakers.js';

/**
 * The invoke options a remote call reads. The shard owns seed (it seeds from the correlation id),
 * attempt and span, so `invoke` ignores those; `now` (a recorded clock reading) travels with the call.
 */
export type RemoteInvokeOptions = Pick<
  InvokeOptions,
  'version' | 'business' | 'correlationId' | 'causationId' | 'traceparent' | 'deadline' | 'timeoutMs' | 'facts' | 'priority' | 'placed' | 'now'
>;

export interface ClusterClientOptions {
  readonly transport: Transport;
  /** Definitions the caller knows (a generated registry): their contracts are checked here too, their metadata routes. */
  readonly functions?: FunctionMap;
  readonly rules?: readonly RoutingRule[];
  /**
   * The function registry as this caller sees it (started before the first call). Functions with
   * rules are refused here when disabled or denied in the caller's jurisdiction, get their version
   * selected (sticky by user or account), and are placed by the rules' placement.
   */
  readonly registry?: ClusterRegistry;
  readonly tuning?: Partial<RoutingTuning>;
  readonly liveness?: LivenessOptions;
  readonly breaker?: BreakerOptions;
  /**
   * Longest wait for one shard before trying another, ms. By default an attempt may use half of
   * the time left (the last one all of it), so one silent shard costs at most half the budget.
   */
  readonly attemptTimeoutMs?: number;
  /** Shards tried per call at most, counting retries. */
  readonly maxAttempts?: number;
  /**
   * How long a call may wait (within its deadline) for a shard to become available when none is
   * right now — shards starting, the broker reconnecting, every circuit cooling down.
   */
  readonly waitForShardsMs?: number;
  readonly defaultTimeoutMs?: number;
  readonly validate?: boolean | { readonly input: boolean; readonly output: boolean };
  readonly clock?: () => number;
  readonly random?: () => number;
  readonly logger?: Logger;
  /** Prefix of generated correlation ids; make it unique per process. */
  readonly idPrefix?: string;
}
