// One remote invocation's state across its attempts (tried shards, last error, the wire call).
import type { AnyFunctionDefinition, LucentError, RoutingCall } from '@lucent/core';
import type { Placement } from '../invoker/invoker.js';
import type { RemoteCall } from '../transport/transport.js';

/** One invocation's state across its attempts: one object per call, the failover fields filled only when needed. */
export class CallProgress {
  attempts = 0;
  /** Attempts that used up their time; only these count against maxAttempts. */
  timedOut = 0;
  tried: Set<string> | undefined = undefined;
  lastError: LucentError | undefined = undefined;
  waitingSince: number | undefined = undefined;
  /** When the current attempt was sent. */
  attemptAt = 0;

  constructor(
    readonly fn: AnyFunctionDefinition | undefined,
    readonly version: string | undefined,
    readonly routing: RoutingCall,
    /** The first attempt's wire call; a retry sends a copy with its own attempt number. */
    readonly call: RemoteCall,
    readonly placed: ((where: Placement) => void) | undefined,
  ) {}
}
