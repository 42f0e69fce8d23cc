// The process's resilience policies, declared once per dependency and per function; breaker transitions logged and reported.
import type { Logger } from '@lucent/core';
import { DependencyPolicy, type CircuitStateName, type CircuitTransition, type DependencyFaults, type PolicyOptions } from './dependencyPolicy.js';

export interface ResilienceConfig {
  /** What every dependency and function gets unless its own entry says otherwise. */
  readonly defaults?: PolicyOptions;
  /** By dependency name: `exchange-feed`, `chain`, `postgres`, `redis`, `nats`… */
  readonly dependencies?: Readonly<Record<string, PolicyOptions>>;
  /** By function name, for calls through a ResilientInvoker. */
  readonly functions?: Readonly<Record<string, PolicyOptions>>;
}

export interface ResilienceOptions {
  /** Where breaker transitions are logged: opening at warn, closing at info. */
  readonly logger?: Logger;
  /** Faults injected into dependency calls (a Chaos), inside each attempt; function policies are not touched. */
  readonly chaos?: DependencyFaults;
}

/** The `dependency` label of a function's policy: functions and dependencies share one namespace of breakers. */
export const functionDependency = (name: string): string => `function:${name}`;

/**
 * `resilience.dependency('exchange-feed').execute((signal) => feed.quote(pair, signal))`.
 * Each name gets one policy for the life of the process (its breaker and bulkhead are shared by
 * every caller); its options are the defaults with the entry's own fields over them.
 */
export class Resilience {
  private readonly policies = new Map<string, DependencyPolicy>();
  private readonly listeners: ((transition: CircuitTransition) => void)[] = [];

  constructor(
    private readonly config: ResilienceConfig = {},
    private readonly options: ResilienceOptions = {},
  ) {}

  /**
   * The policy of `name`. `base` (first call only) sits between the defaults and the declared
   * entry: a decorator states what is safe for its calls (no retry of a write) and the operator's
   * declaration still wins.
   */
  dependency(name: string, base?: PolicyOptions): DependencyPolicy {
    return this.policies.get(name) ?? this.create(name, { ...base, ...this.config.dependencies?.[name] }, this.options.chaos);
  }

  function(name: string): DependencyPolicy {
    const key = functionDependency(name);
    return this.policies.get(key) ?? this.create(key, this.config.functions?.[name]);
  }

  /** Whether a function has its own entry (a ResilientInvoker passes the others straight through). */
  declaresFunction(name: string): boolean {
    return this.config.functions?.[name] !== undefined;
  }

  /** Every policy built so far with its circuit's state. */
  states(): { readonly dependency: string; readonly state: CircuitStateName }[] {
    return [...this.policies.values()].map((p) => ({ dependency: p.dependency, state: p.state }));
  }

  /** Told of every transition of every circuit, present and future. */
  onTransition(listener: (transition: CircuitTransition) => void): void {
    this.listeners.push(listener);
  }

  private create(name: string, own: PolicyOptions | undefined, faults?: DependencyFaults): DependencyPolicy {
    const policy = new DependencyPolicy(name, { ...this.config.defaults, ...own }, faults);
    policy.onTransition((t) => {
      this.log(t);
      for (const listener of this.listeners) listener(t);
    });
    this.policies.set(name, policy);
    return policy;
  }

  private log(t: CircuitTransition): void {
    const logger = this.options.logger;
    if (logger === undefined) return;
    const fields = { dependency: t.dependency, from: t.from, to: t.to, ...(t.reason === undefined ? {} : { reason: t.reason }) };
    if (t.to === 'open' || t.to === 'isolated') logger.warn(`Circuit of ${t.dependency} opened: calls fail fast`, fields);
    else if (t.to === 'closed') logger.info(`Circuit of ${t.dependency} closed: calls flow again`, fields);
    else logger.info(`Circuit of ${t.dependency} half-open: one trial call`, fields);
  }
}
