// The timer handler registry: what runs when a timer naming a handler fires, the checks made when one is armed, and one run of it.
import { ScheduleInvalidError, ValidationError, jsonValueIssues, validate, type Contract, type JsonValue } from '@lucent/core';
import { withTimeout } from '../resilience/handlerTimeout.js';
import type { HandlerOptions, TimerFiring, TimerHandler } from './schedulerApi.js';
import type { ClaimedTimer } from './timerStore.js';
import { traceFiring } from './timerTracing.js';

interface HandlerEntry {
  readonly fn: TimerHandler<unknown>;
  readonly contract: Contract | undefined;
}

/** Names the run a cron retry repeats: its firing key and its try number. */
export interface RunOf {
  readonly firingKey?: string;
  readonly attempt?: number;
}

export class TimerHandlers {
  private readonly entries = new Map<string, HandlerEntry>();

  constructor(
    /** This node's name, in the error of a timer whose handler is not registered here. */
    private readonly nodeId: string,
    private readonly clock: () => number,
    /** Longest a handler may run, real ms. */
    private readonly timeoutMs: number,
  ) {}

  /** Register what runs when a timer naming `name` fires. */
  handle<P>(name: string, fn: TimerHandler<P>, options: HandlerOptions<P> = {}): void {
    if (typeof name !== 'string' || name.length === 0) throw new ScheduleInvalidError('handler', 'A handler needs a non-empty name');
    this.entries.set(name, { fn: fn as TimerHandler<unknown>, contract: options.payload as Contract | undefined });
  }

  /** Refuses (naming `field`) a handler name that is not registered. */
  require(name: unknown, field: string): void {
    this.entry(name, field);
  }

  /** Refuses a payload that is not plain JSON or does not satisfy the handler's contract. */
  async checkPayload(handler: string, payload: JsonValue): Promise<void> {
    const entry = this.entry(handler, 'handler');
    const issues = jsonValueIssues(payload);
    if (issues.length > 0) throw new ValidationError('input', `timer payload for ${handler}`, issues);
    if (entry.contract) await validate(entry.contract, payload, 'input', `timer payload for ${handler}`);
  }

  /** Run one handler against its deadline; returns the error message when it failed. A cron retry names the run it repeats in `run`. */
  async invoke(name: string | undefined, claim: ClaimedTimer, scheduledFor: number, run: RunOf = {}): Promise<string | undefined> {
    const entry = name === undefined ? undefined : this.entries.get(name);
    if (entry === undefined) return `no handler named ${String(name)} is registered on node ${this.nodeId}`;
    const firingKey = run.firingKey ?? `${claim.id}@${scheduledFor}`;
    const attempt = run.attempt ?? claim.attempts;
    const now = this.clock();
    return traceFiring(claim, name, { scheduledFor, firingKey, attempt, startedAt: now }, async (traceparent) => {
      try {
        const payload = entry.contract ? await validate(entry.contract, claim.payload, 'input', `timer ${claim.id}`) : claim.payload;
        const firing: TimerFiring<unknown> = {
          timer: claim,
          payload,
          reason: claim.reason,
          scheduledFor,
          firingKey,
          ...(claim.match !== undefined ? { match: claim.match } : {}),
          now,
          attempt,
          ...(traceparent !== undefined ? { traceparent } : {}),
        };
        await withTimeout(entry.fn(firing), this.timeoutMs, `timer handler ${String(name)}`);
        return undefined;
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
    });
  }

  private entry(name: unknown, field: string): HandlerEntry {
    const entry = typeof name === 'string' ? this.entries.get(name) : undefined;
    if (!entry) throw new ScheduleInvalidError(field, `No timer handler named ${JSON.stringify(name)} is registered; call scheduler.handle() first`);
    return entry;
  }
}
