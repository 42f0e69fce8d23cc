// The Invoker port: how the shell calls a pure function, wherever it runs (this thread, a worker pool, a shard over NATS).
import type {
  AnyFunctionDefinition,
  BusinessMetadata,
  CallFact,
  FunctionMap,
  InvocationResult,
  Priority,
  Span,
  TypedInvoke,
} from '@lucent/core';

/** Where a call ran and which version answered it (HTTP answers it as `x-lucent-shard` / `x-lucent-version`). */
export interface Placement {
  /** Shard id; an in-process invoker names its own process (`local` unless it was given a shard id). */
  readonly shard: string;
  readonly version: string;
}

export interface InvokeOptions {
  /** Exact version to run (a replay); otherwise the registry's selection, or the active version. */
  readonly version?: string;
  /** Who the call is for (userId, accountId, jurisdiction…), from authenticated claims: selection and stickiness read it. */
  readonly business?: BusinessMetadata;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly traceparent?: string;
  /** Absolute deadline, epoch ms. Wins over timeoutMs. */
  readonly deadline?: number;
  readonly timeoutMs?: number;
  readonly attempt?: number;
  /** Seed for ctx.random()/ctx.newId(); defaults to the correlation id. Ignored by a remote invoker (the shard seeds). */
  readonly seed?: string;
  /** Clock reading to hand the function; defaults to the invoker's clock. Replays pass the recorded one. */
  readonly now?: number;
  readonly span?: Span;
  /** Facts placement rules test (e.g. `{ notional: 2_500_000 }` sends a trade to the `whale` shard). */
  readonly facts?: Readonly<Record<string, CallFact>>;
  /** Business priority; higher samples more shards. Defaults to the registry's, then the function's metadata. */
  readonly priority?: Priority;
  /** Told where the call ran and which version answered, once it has succeeded. Must not throw. */
  readonly placed?: (where: Placement) => void;
}

export interface FunctionInfo {
  readonly name: string;
  readonly activeVersion: string;
  readonly versions: readonly string[];
  readonly enabled: boolean;
}

/**
 * What every consumer of functions depends on: HTTP controllers, command handlers, sagas, scheduler
 * handlers, replay, service classes. Implementations: `FunctionManager` (this process),
 * `ClusterClient` (a shard over a transport), `RoutedInvoker` (here when hosted and placement
 * allows, else a shard).
 */
export interface Invoker {
  /** Resolves to `{ output, events }`; rejects only with a LucentError (never throws synchronously). */
  invoke(name: string, input: unknown, options?: InvokeOptions): Promise<InvocationResult<unknown>>;
  /** `invoke` narrowed to a generated registry: wrong names and inputs fail to compile. */
  typed<R extends FunctionMap>(): TypedInvoke<R, InvokeOptions>;
  /** The functions this invoker can reach, with their versions. */
  list(): readonly FunctionInfo[];
  /** A definition (its contracts and metadata), the active version when `version` is omitted; throws FUNCTION_NOT_FOUND. */
  lookup(name: string, version?: string): AnyFunctionDefinition;
}
