// Chaos in one process: the document in force, the draws, the faults' waits and errors, and every injected fault counted, logged and marked on the active span.
import { DeadlineExceededError, LucentError, isLucentError, silentLogger, type Logger } from '@lucent/core';
import { trace } from '@opentelemetry/api';
import {
  chaosFaultFor,
  chaosIsEmpty,
  chaosNeedsDraw,
  chaosOutcome,
  parseChaosDocument,
  type ChaosDocument,
  type ChaosFault,
  type ChaosFaultKind,
  type ChaosOutcome,
  type ChaosScope,
} from './chaosDocument.js';

export interface ChaosOptions {
  /** In force from the start (checked like any update); none by default: chaos is off. */
  readonly document?: ChaosDocument;
  /** Whether faults may be switched on in this process; default `chaosAllowed(process.env)`. */
  readonly allowed?: boolean;
  /** Uniform draws in [0, 1); Math.random by default, a seeded generator in tests. */
  readonly random?: () => number;
  /** Each injected fault is logged here (warn); refused documents too (error). */
  readonly logger?: Logger;
}

/** One fault injected into one call. */
export interface InjectedFault {
  readonly scope: ChaosScope;
  /** The function name, shard id or dependency name. */
  readonly target: string;
  readonly fault: ChaosFaultKind;
}

/** What one call meets: the wait before it and what then happens to it. */
export interface CallFaults {
  readonly latencyMs: number;
  readonly outcome: ChaosOutcome;
  /** The fault whose outcome it is (for the error's details and `hangMs`). */
  readonly scope?: ChaosScope;
  readonly target?: string;
  readonly hangMs: number;
}

/** Off in production (NODE_ENV=production) unless LUCENT_CHAOS_ALLOWED=1 says otherwise; on everywhere else. */
export function chaosAllowed(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return env['NODE_ENV'] !== 'production' || env['LUCENT_CHAOS_ALLOWED'] === '1';
}

/** An error that chaos injected (its details carry `chaos`): a passing failure by design, so worth another attempt. */
export function isChaosFault(error: unknown): boolean {
  return isLucentError(error) && typeof error.details?.['chaos'] === 'string';
}

const defaultHangMs = 10_000;

/** Resolves after `ms`, or at once when `signal` aborts (its timer then cleared). */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted === true) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * `update(document)` switches faults on or off; call sites ask `forCall` (a shard's served call)
 * or wrap work in `dependency(name, signal, work)`. With no document in force each costs one
 * property read. `onFault` hears every fault injected (the metrics counter listens there).
 */
export class Chaos {
  private document: ChaosDocument = {};
  private on = false;
  private readonly allowed: boolean;
  private readonly random: () => number;
  private readonly logger: Logger;
  private readonly listeners: ((fault: InjectedFault) => void)[] = [];

  constructor(options: ChaosOptions = {}) {
    this.allowed = options.allowed ?? chaosAllowed();
    this.random = options.random ?? Math.random;
    this.logger = options.logger ?? silentLogger;
    if (options.document !== undefined) this.update(options.document);
  }

  /** Whether any fault is in force. */
  get active(): boolean {
    return this.on;
  }

  get current(): ChaosDocument {
    return this.document;
  }

  /**
   * Replace the document (checked first: a bad one throws and the old stays). Where chaos is not
   * allowed, a document with any fault is refused FORBIDDEN; an empty one (chaos off) always passes.
   */
  update(value: unknown): void {
    const document = parseChaosDocument(value);
    const empty = chaosIsEmpty(document);
    if (!empty && !this.allowed) {
      throw new LucentError('FORBIDDEN', 'Chaos is refused in production (NODE_ENV=production); set LUCENT_CHAOS_ALLOWED=1 on the node to allow it', {
        reason: 'chaos-not-allowed',
      });
    }
    this.document = document;
    this.on = !empty;
  }

  onFault(listener: (fault: InjectedFault) => void): void {
    this.listeners.push(listener);
  }

  /**
   * The faults a call of `name` meets, drawn now: the function's, then (served by shard `shardId`)
   * the shard's; undefined for none. Without a shard id only the function's apply (a call run in process).
   */
  forCall(name: string, shardId?: string): CallFaults | undefined {
    if (!this.on) return undefined;
    const ofFunction = chaosFaultFor(this.document, 'function', name);
    const ofShard = shardId === undefined ? undefined : chaosFaultFor(this.document, 'shard', shardId);
    if (ofFunction === undefined && ofShard === undefined) return undefined;
    let latencyMs = 0;
    let chosen: CallFaults | undefined;
    for (const [scope, target, fault] of [
      ['function', name, ofFunction],
      ['shard', shardId ?? '', ofShard],
    ] as const) {
      if (fault === undefined) continue;
      latencyMs += this.latency(scope, target, fault);
      if (chosen !== undefined) continue;
      const outcome = this.draw(scope, target, fault);
      if (outcome !== undefined) chosen = { latencyMs: 0, outcome, scope, target, hangMs: fault.hangMs ?? defaultHangMs };
    }
    return { ...(chosen ?? { outcome: undefined, hangMs: defaultHangMs }), latencyMs };
  }

  /**
   * Run `work` under the dependency's faults: added latency; an injected error or an unreachable
   * dependency throws before it runs; a timeout holds until `signal` aborts (the policy's attempt
   * timeout) or `hangMs`, then throws DEADLINE_EXCEEDED; a dropped answer runs it and then holds the same way.
   */
  async dependency<T>(name: string, signal: AbortSignal | undefined, work: () => PromiseLike<T> | T): Promise<T> {
    if (!this.on) return work();
    const fault = chaosFaultFor(this.document, 'dependency', name);
    if (fault === undefined) return work();
    await pause(this.latency('dependency', name, fault), signal);
    const outcome = this.draw('dependency', name, fault);
    const hangMs = fault.hangMs ?? defaultHangMs;
    switch (outcome) {
      case 'error':
        throw chaosError('dependency', name, name);
      case 'unreachable':
        throw new LucentError('UNAVAILABLE', `${name} is unreachable (chaos)`, { dependency: name, reason: 'chaos: unreachable', chaos: 'unreachable' });
      case 'drop':
        await work();
        return this.hang(name, hangMs, signal);
      case 'timeout':
        return this.hang(name, hangMs, signal);
      default:
        return work();
    }
  }

  private async hang<T>(name: string, hangMs: number, signal: AbortSignal | undefined): Promise<T> {
    await pause(hangMs, signal);
    const error = new DeadlineExceededError(name, Date.now());
    Object.defineProperty(error, 'details', { value: { ...error.details, chaos: 'timeout' }, configurable: true });
    throw error;
  }

  private latency(scope: ChaosScope, target: string, fault: ChaosFault): number {
    const ms = fault.latencyMs ?? 0;
    if (ms > 0) this.report({ scope, target, fault: 'latency' });
    return ms;
  }

  private draw(scope: ChaosScope, target: string, fault: ChaosFault): ChaosOutcome {
    if (fault.unreachable !== true && !chaosNeedsDraw(fault)) return undefined;
    const outcome = chaosOutcome(fault, fault.unreachable === true ? 0 : this.random());
    if (outcome !== undefined) this.report({ scope, target, fault: outcome });
    return outcome;
  }

  private report(fault: InjectedFault): void {
    this.logger.warn('chaos fault injected', { chaos: fault.fault, scope: fault.scope, target: fault.target });
    // Visible on whatever span is active at the site; a no-op without a tracer.
    trace.getActiveSpan()?.addEvent('lucent.chaos', { 'lucent.chaos.fault': fault.fault, 'lucent.chaos.scope': fault.scope, 'lucent.chaos.target': fault.target });
    for (const listener of this.listeners) listener(fault);
  }
}

/** The error an `error` fault injects: FUNCTION_FAILED for a function or shard, UNAVAILABLE for a dependency; `details.chaos` marks it. */
export function chaosError(scope: ChaosScope, target: string, name: string): LucentError {
  if (scope === 'dependency') {
    return new LucentError('UNAVAILABLE', `${target} failed (chaos: injected error)`, { dependency: target, reason: 'chaos: injected error', chaos: 'error' });
  }
  return new LucentError('FUNCTION_FAILED', `${name} failed (chaos: injected error on ${scope} ${target})`, {
    name,
    reason: 'chaos: injected error',
    chaos: 'error',
    scope,
    target,
  });
}
