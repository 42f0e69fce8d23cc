// An Invoker that tells the console's CallLog of every call it passes on: function, version, shard, outcome, ids and time.
import { performance } from 'node:perf_hooks';
import { isLucentError, type BusinessMetadata, type FunctionMap, type InvocationResult, type TypedInvoke } from '@lucent/core';
import type { InvokeOptions, Invoker, Placement } from '@lucent/runtime';
import type { CallLog, CallRecord } from './callLog.js';

export interface RecordCallsOptions {
  /**
   * The version the registry selects for a caller (`FunctionManager.versionFor`): a failed call
   * names no version in its error, so the log names the one it was sent to. Absent: only a pinned
   * version or the error's own details name it.
   */
  readonly versionFor?: (name: string, business: BusinessMetadata | undefined) => string | undefined;
  /** Prefix of the correlation ids given to calls that come without one (default: this process's pid and start time). */
  readonly idPrefix?: string;
}

// W3C traceparent: version-traceid-parentid-flags.
const traceIdOf = (traceparent: string | undefined): string | null => (traceparent === undefined ? null : (/^[0-9a-f]{2}-([0-9a-f]{32})-/.exec(traceparent)?.[1] ?? null));

/**
 * Wrap `invoker` so each call lands in `log`. A call without a correlation id gets one here, so the
 * id the log shows is the one the function, its log lines and its spans saw.
 */
export function recordCalls(invoker: Invoker, log: CallLog, options: RecordCallsOptions = {}): Invoker {
  const prefix = options.idPrefix ?? `${process.pid.toString(36)}-${Date.now().toString(36)}-c`;
  let sequence = 0;
  const invoke = (name: string, input: unknown, given?: InvokeOptions): Promise<InvocationResult<unknown>> => {
    const correlationId = given?.correlationId ?? prefix + (++sequence).toString(36);
    let where: Placement | undefined;
    const callerPlaced = given?.placed;
    const call: InvokeOptions = {
      ...given,
      correlationId,
      placed: (p) => {
        where = p;
        callerPlaced?.(p);
      },
    };
    const startedAt = log.clock();
    const started = performance.now();
    log.inFlight++;
    const record = (error: unknown): void => {
      log.inFlight--;
      const failed = error !== undefined;
      const details = isLucentError(error) ? error.details : undefined;
      const detailVersion = typeof details?.['version'] === 'string' ? details['version'] : undefined;
      const entry: CallRecord = {
        at: new Date(startedAt).toISOString(),
        function: name,
        version: where?.version ?? given?.version ?? detailVersion ?? (failed ? options.versionFor?.(name, given?.business) : undefined) ?? null,
        shard: where?.shard ?? null,
        outcome: failed ? 'error' : 'ok',
        code: failed ? (isLucentError(error) ? error.code : 'INTERNAL') : null,
        message: failed ? (error instanceof Error ? error.message : String(error)) : null,
        correlationId,
        traceId: traceIdOf(given?.traceparent),
        user: given?.business?.userId ?? null,
        durationMs: Math.round((performance.now() - started) * 1_000) / 1_000,
      };
      log.add(entry, startedAt);
    };
    let pending: Promise<InvocationResult<unknown>>;
    try {
      pending = invoker.invoke(name, input, call);
    } catch (error) {
      // The Invoker contract says it never throws synchronously; a broken one is still recorded.
      record(error ?? new Error('threw undefined'));
      return Promise.reject(error as Error);
    }
    return pending.then(
      (result) => {
        record(undefined);
        return result;
      },
      (error: unknown) => {
        record(error ?? new Error('rejected with undefined'));
        throw error;
      },
    );
  };
  return {
    invoke,
    typed<R extends FunctionMap>(): TypedInvoke<R, InvokeOptions> {
      return invoke as TypedInvoke<R, InvokeOptions>;
    },
    list: () => invoker.list(),
    lookup: (name, version) => invoker.lookup(name, version),
  };
}
