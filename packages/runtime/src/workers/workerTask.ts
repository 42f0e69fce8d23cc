// The messages between the heavy-function pool and its worker threads: a call's context seed out, its result (or error), logs and span notes back.
import type {
  BusinessMetadata,
  DomainEvent,
  ExecutionInfo,
  InvocationContext,
  LogFields,
  SerializedError,
  ShardInfo,
} from '@lucent/core';

/** Everything needed to rebuild the caller's InvocationContext in another thread. Structured-clone safe. */
export interface WorkerContextSeed {
  readonly now: number;
  readonly seed?: string;
  readonly business: BusinessMetadata;
  readonly shard: ShardInfo;
  /** The deadline travels as a number; Infinity survives structured clone. */
  readonly execution: ExecutionInfo;
}

export interface WorkerTask {
  readonly name: string;
  readonly version: string;
  readonly input: unknown;
  readonly context: WorkerContextSeed;
}

export type WorkerLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** What the function logged or noted on its span in the worker, replayed on the caller's logger and span. */
export type WorkerNote =
  | { readonly kind: 'log'; readonly level: WorkerLogLevel; readonly message: string; readonly fields?: LogFields }
  | { readonly kind: 'attribute'; readonly key: string; readonly value: string | number | boolean }
  | { readonly kind: 'event'; readonly name: string; readonly attributes?: Record<string, string | number | boolean> };

export type WorkerReply =
  | { readonly ok: true; readonly output: unknown; readonly events: readonly DomainEvent[]; readonly notes: readonly WorkerNote[] }
  | { readonly ok: false; readonly error: SerializedError; readonly notes: readonly WorkerNote[] };

/** The seed of a context the FunctionManager built, for the worker to rebuild an identical one. */
export function contextSeedOf(ctx: InvocationContext): WorkerContextSeed {
  return {
    now: ctx.now(),
    ...(ctx.seed === undefined ? {} : { seed: ctx.seed }),
    business: ctx.business,
    shard: ctx.shard,
    execution: ctx.execution,
  };
}
