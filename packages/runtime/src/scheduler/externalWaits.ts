// External waits: a wait for an outside event by key, and the delivery of such an event, checked against the contract of its key prefix.
import { createHash } from 'node:crypto';
import { ScheduleInvalidError, ValidationError, checkTimerRequest, jsonValueIssues, validate, type Contract, type JsonValue, type Logger } from '@lucent/core';
import type { DeliverOptions, ExternalWait, WaitRegistration } from './schedulerApi.js';
import type { TimerHandlers } from './timerHandlers.js';
import type { DeliveryResult, NewTimer, TimerStore } from './timerStore.js';

const defaultLookbackMs = 7 * 24 * 3_600_000;

export interface ExternalWaitsOptions {
  readonly store: TimerStore;
  readonly handlers: TimerHandlers;
  readonly clock: () => number;
  /** Tells the claim loop that a wait may have matched. */
  readonly wake: () => void;
  readonly log: Logger;
}

export class ExternalWaits {
  private readonly contracts = new Map<string, Contract>();

  constructor(private readonly options: ExternalWaitsOptions) {}

  /** Contract that outside events whose key starts with `keyPrefix` must satisfy. */
  define(keyPrefix: string, contract: Contract): void {
    this.contracts.set(keyPrefix, contract);
  }

  /** Arm a wait for an outside event by key, matched at once by one that arrived within the lookback. */
  async waitFor(wait: ExternalWait): Promise<WaitRegistration> {
    const { store, handlers, clock, wake } = this.options;
    if (!Number.isFinite(wait.timeoutMs) || wait.timeoutMs <= 0) {
      throw new ScheduleInvalidError('timeoutMs', 'timeoutMs must be a finite number > 0');
    }
    const lookbackMs = wait.lookbackMs ?? defaultLookbackMs;
    if (!Number.isFinite(lookbackMs) || lookbackMs < 0) throw new ScheduleInvalidError('lookbackMs', 'lookbackMs must be ≥ 0');
    const now = clock();
    const payload = wait.payload ?? null;
    const timer: NewTimer = {
      id: wait.id ?? `wait:${wait.key}`,
      kind: 'external',
      handler: wait.onMatch,
      timeoutHandler: wait.onTimeout,
      dueAt: now + wait.timeoutMs,
      waitKey: wait.key,
      lookbackMs,
      payload,
      ...(wait.owner !== undefined ? { owner: wait.owner } : {}),
    };
    checkTimerRequest(timer);
    await handlers.checkPayload(wait.onMatch, payload);
    handlers.require(wait.onTimeout, 'onTimeout');
    const result = await store.schedule(timer, now);
    const matchedOnArrival = result.created && result.timer.match !== undefined;
    wake();
    return { id: timer.id, created: result.created, matchedOnArrival };
  }

  /** Validate an outside event, store it durably and match it to the wait on its key; a late one is recorded only. */
  async deliver(key: string, payload: unknown, options: DeliverOptions = {}): Promise<DeliveryResult> {
    const { store, clock, wake, log } = this.options;
    if (typeof key !== 'string' || key.length === 0) throw new ScheduleInvalidError('key', 'An outside event needs a non-empty key');
    const issues = jsonValueIssues(payload);
    if (issues.length > 0) throw new ValidationError('input', `outside event ${key}`, issues);
    const contract = this.contractFor(key);
    if (contract) await validate(contract, payload, 'input', `outside event ${key}`);
    const arrivalId = options.arrivalId ?? createHash('sha256').update(key).update('\u0000').update(JSON.stringify(payload)).digest('hex');
    const result = await store.deliver({ key, payload: payload as JsonValue, arrivalId }, clock());
    if (result.arrival.status === 'late') {
      log.warn('outside event arrived after its wait timed out; recorded, not applied', { key, timerId: result.arrival.timerId });
    }
    if (result.arrival.status === 'matched') wake();
    return result;
  }

  /** The contract of the longest key prefix that `key` starts with. */
  contractFor(key: string): Contract | undefined {
    let best: string | undefined;
    for (const prefix of this.contracts.keys()) {
      if (key.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
    }
    return best === undefined ? undefined : this.contracts.get(best);
  }
}
