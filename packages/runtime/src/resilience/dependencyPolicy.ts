// One dependency's policy on cockatiel: bulkhead, retry with jittered exponential backoff, a breaker on failure rate or a run of failures, timeout.
import { setMaxListeners } from 'node:events';
import { LucentError } from '@lucent/core';
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  IsolatedCircuitError,
  SamplingBreaker,
  TaskCancelledError,
  TimeoutStrategy,
  bulkhead,
  circuitBreaker,
  handleWhen,
  noop,
  retry,
  timeout,
  wrap,
  type CircuitBreakerPolicy,
  type IBreaker,
  type IPolicy,
} from 'cockatiel';
import { isDependencyFailure, isTransient } from './failureKinds.js';

export interface RetryOptions {
  /** Further attempts after the first (default 2). */
  readonly retries?: number;
  /** First delay, ms (default 100); each later one about doubles, with decorrelated jitter. */
  readonly initialDelayMs?: number;
  /** No delay exceeds this, ms (default 2,000). */
  readonly maxDelayMs?: number;
}

export interface CircuitOptions {
  /** Opens after this many failures in a row (default 5); false: rate only. */
  readonly consecutiveFailures?: number | false;
  /**
   * Opens when more than `threshold` (0-1) of the calls in the last `windowMs` failed, once at least
   * `minimumRps` calls a second are seen (so a quiet dependency is not judged on three calls).
   * Default 0.3 over 10 s at 2/s; false: consecutive failures only.
   */
  readonly failureRate?: { readonly threshold: number; readonly windowMs?: number; readonly minimumRps?: number } | false;
  /** An open circuit lets one trial call through after this long, ms (default 5,000). */
  readonly halfOpenAfterMs?: number;
}

export interface BulkheadOptions {
  /** Calls running at once (default 32). */
  readonly limit?: number;
  /** Calls waiting for a slot beyond that; the rest are refused UNAVAILABLE at once (default 64). */
  readonly queue?: number;
}

/** What one dependency or function is allowed: each part may be turned off with false. */
export interface PolicyOptions {
  /** Per attempt, ms (default 5,000); the work gets an AbortSignal that fires then. */
  readonly timeoutMs?: number | false;
  readonly retry?: RetryOptions | false;
  readonly circuit?: CircuitOptions | false;
  readonly bulkhead?: BulkheadOptions | false;
  /** Which errors are worth another attempt (default `isTransient`: no answer, never a refusal). */
  readonly isTransient?: (error: unknown) => boolean;
  /** Which errors count against the breaker (default `isDependencyFailure`: anything but an answer). */
  readonly isFailure?: (error: unknown) => boolean;
}

/** Faults injected inside each attempt (Chaos has this): the policy's timeout, retry and breaker meet them like real failures. */
export interface DependencyFaults {
  dependency<T>(name: string, signal: AbortSignal | undefined, work: () => PromiseLike<T> | T): Promise<T>;
}

export type CircuitStateName = 'closed' | 'open' | 'half-open' | 'isolated';

const stateNames: Record<CircuitState, CircuitStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

export interface CircuitTransition {
  readonly dependency: string;
  readonly from: CircuitStateName;
  readonly to: CircuitStateName;
  /** What opened it, when it opened. */
  readonly reason?: string;
}

/**
 * Opens when either breaker says so. Both hear every outcome (no short cut), so each keeps its own
 * count; cockatiel takes one IBreaker per policy, and this is that interface, nothing private.
 */
class EitherBreaker implements IBreaker {
  constructor(private readonly breakers: readonly IBreaker[]) {}

  get state(): unknown {
    return this.breakers.map((b) => b.state);
  }

  set state(value: unknown) {
    if (Array.isArray(value)) this.breakers.forEach((b, i) => (b.state = value[i]));
  }

  success(state: CircuitState): void {
    for (const b of this.breakers) b.success(state);
  }

  failure(state: CircuitState): boolean {
    let open = false;
    for (const b of this.breakers) open = b.failure(state) || open;
    return open;
  }
}

function breakerOf(options: CircuitOptions): IBreaker {
  const parts: IBreaker[] = [];
  const consecutive = options.consecutiveFailures ?? 5;
  if (consecutive !== false) parts.push(new ConsecutiveBreaker(consecutive));
  const rate = options.failureRate ?? { threshold: 0.3 };
  if (rate !== false) {
    parts.push(new SamplingBreaker({ threshold: rate.threshold, duration: rate.windowMs ?? 10_000, minimumRps: rate.minimumRps ?? 2 }));
  }
  if (parts.length === 0) throw new RangeError('A circuit needs consecutiveFailures or failureRate');
  return parts.length === 1 ? parts[0]! : new EitherBreaker(parts);
}

const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * `execute(work)` runs `work(signal)` under the dependency's policy. Refusals come out as Lucent
 * errors: an open circuit or a full bulkhead UNAVAILABLE (reason `circuit-open` / `bulkhead-full`,
 * at once, without calling), a timed-out attempt DEADLINE_EXCEEDED; the dependency's own errors
 * pass through unchanged after the last attempt.
 */
export class DependencyPolicy {
  private readonly policy: IPolicy;
  private readonly breaker: CircuitBreakerPolicy | undefined;
  private readonly timeoutMs: number | undefined;
  private readonly listeners: ((transition: CircuitTransition) => void)[] = [];
  /** The failure that last opened the circuit: a refusal repeats it, so a caller (or /health/ready) learns why. */
  private openedBy: string | undefined;
  /**
   * The parent signal of every execution. Each timed attempt listens on its parent until it ends, so there are as many
   * listeners as attempts in flight; without a signal of ours they all sat on one signal cockatiel shares, and more than
   * ten at once printed Node's MaxListenersExceededWarning during `npm start`'s start-up.
   */
  private readonly parent: AbortSignal;

  constructor(
    readonly dependency: string,
    options: PolicyOptions = {},
    private readonly faults?: DependencyFaults,
  ) {
    this.parent = new AbortController().signal;
    setMaxListeners(0, this.parent);
    const transient = options.isTransient ?? isTransient;
    const failure = options.isFailure ?? isDependencyFailure;
    this.timeoutMs = options.timeoutMs === false ? undefined : (options.timeoutMs ?? 5_000);
    const attemptTimeout = this.timeoutMs === undefined ? noop : timeout(this.timeoutMs, TimeoutStrategy.Aggressive);
    this.breaker =
      options.circuit === false
        ? undefined
        : circuitBreaker(handleWhen((e) => e instanceof TaskCancelledError || failure(e)), {
            halfOpenAfter: options.circuit?.halfOpenAfterMs ?? 5_000,
            breaker: breakerOf(options.circuit ?? {}),
          });
    const r = options.retry === false ? undefined : (options.retry ?? {});
    const retries =
      r === undefined || (r.retries ?? 2) === 0
        ? noop
        : retry(handleWhen(transient), {
            maxAttempts: r.retries ?? 2,
            backoff: new ExponentialBackoff({ initialDelay: r.initialDelayMs ?? 100, maxDelay: r.maxDelayMs ?? 2_000 }),
          });
    const b = options.bulkhead === false ? noop : bulkhead(options.bulkhead?.limit ?? 32, options.bulkhead?.queue ?? 64);
    // Outside in: the bulkhead bounds a call with all its attempts; each attempt passes the breaker and has its own timeout.
    this.policy = wrap(b, retries, this.breaker ?? noop, attemptTimeout);
    if (this.breaker !== undefined) this.watchBreaker(this.breaker);
  }

  get state(): CircuitStateName {
    return this.breaker === undefined ? 'closed' : stateNames[this.breaker.state];
  }

  /** Told of every change of the circuit's state. */
  onTransition(listener: (transition: CircuitTransition) => void): void {
    this.listeners.push(listener);
  }

  async execute<T>(work: (signal: AbortSignal) => PromiseLike<T> | T): Promise<T> {
    try {
      return await this.policy.execute(async ({ signal }) => {
        try {
          return await (this.faults === undefined ? work(signal) : this.faults.dependency(this.dependency, signal, () => work(signal)));
        } catch (error) {
          // Work that honours its signal rejects with its own abort error when the attempt times out: it is still the timeout.
          throw signal.aborted ? new TaskCancelledError() : error;
        }
      }, this.parent);
    } catch (error) {
      throw this.refusal(error) ?? error;
    }
  }

  private refusal(error: unknown): LucentError | undefined {
    const { dependency } = this;
    if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
      const why = this.openedBy === undefined ? '' : ` (it opened on: ${this.openedBy})`;
      return new LucentError('UNAVAILABLE', `${dependency} is failing: its circuit is open, try again shortly${why}`, {
        dependency,
        reason: 'circuit-open',
        ...(this.openedBy !== undefined && { openedBy: this.openedBy }),
      });
    }
    if (error instanceof BulkheadRejectedError) {
      return new LucentError('UNAVAILABLE', `${dependency} has too many calls waiting; try again shortly`, { dependency, reason: 'bulkhead-full' });
    }
    if (error instanceof TaskCancelledError) {
      return new LucentError('DEADLINE_EXCEEDED', `${dependency} did not answer within ${this.timeoutMs} ms`, {
        dependency,
        timeoutMs: this.timeoutMs,
      });
    }
    return undefined;
  }

  private watchBreaker(breaker: CircuitBreakerPolicy): void {
    let from: CircuitStateName = 'closed';
    let reason: string | undefined;
    breaker.onBreak((failure) => {
      reason = 'isolated' in failure ? 'isolated' : 'error' in failure ? reasonOf(failure.error) : 'a result counted as failure';
      this.openedBy = reason;
    });
    breaker.onStateChange((state) => {
      const to = stateNames[state];
      const transition: CircuitTransition = to === 'open' && reason !== undefined ? { dependency: this.dependency, from, to, reason } : { dependency: this.dependency, from, to };
      from = to;
      for (const listener of this.listeners) listener(transition);
    });
  }
}
