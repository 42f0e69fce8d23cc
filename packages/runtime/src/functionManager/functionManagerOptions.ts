// What a FunctionManager is built with and what it tells observers: options, executors, observers, shadow calls.
import type { AnyFunctionDefinition, InvocationContext, InvocationResult, Logger, ShardInfo } from '@lucent/core';
import type { InvokeOptions } from '../invoker/invoker.js';

/** Runs a function somewhere other than this thread (a worker pool, a remote shard). */
export interface FunctionExecutor {
  run(fn: AnyFunctionDefinition, input: unknown, ctx: InvocationContext): Promise<InvocationResult<unknown>>;
}

export interface FunctionManagerOptions {
  /** Wall clock, epoch ms. The shell owns the clock; functions see a reading of it. */
  readonly clock?: () => number;
  /** Validate inputs and outputs at the boundary (default true for both). */
  readonly validate?: boolean | { readonly input: boolean; readonly output: boolean };
  readonly defaultTimeoutMs?: number;
  readonly logger?: Logger;
  /**
   * The shard this process is, as functions see it in `ctx.shard`: a value, or a live view (a getter
   * read once per call, only when the function reads `ctx.shard`). Its id names the shard in `placed`.
   */
  readonly shard?: ShardInfo | (() => ShardInfo);
  /** Where functions marked `heavy` run; in-thread when absent. */
  readonly heavyExecutor?: FunctionExecutor;
  /** Prefix of generated correlation ids; make it unique per process. */
  readonly idPrefix?: string;
  /** Told when each call starts and settles (metrics); absent, a call pays one undefined check. */
  readonly observer?: FunctionObserver;
}

/**
 * Watches calls from outside: `onStart` when a version has been chosen and the call begins, `onSettle`
 * once it resolves (`error` undefined) or rejects. Must not throw; runs on the caller's path, so keep it cheap.
 */
export interface FunctionObserver {
  /** Returns a token (e.g. a start time) handed back to `onSettle`. */
  onStart(fn: AnyFunctionDefinition): number;
  onSettle(fn: AnyFunctionDefinition, started: number, error: unknown): void;
}

/** A call whose rules named a shadow version, handed over once the live call has resolved. */
export interface ShadowCall {
  readonly name: string;
  readonly live: AnyFunctionDefinition;
  readonly shadow: AnyFunctionDefinition;
  readonly input: unknown;
  /** The live call's options, with the correlation id and clock reading the live run used. */
  readonly options: InvokeOptions;
  readonly result: InvocationResult<unknown>;
}

/** Receives shadow calls; must not throw and should do its work off the caller's path. */
export type ShadowObserver = (call: ShadowCall) => void;
