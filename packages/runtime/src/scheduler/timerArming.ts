// Arming one-off and cron timers in the durable store: checked, idempotent by id, and a changed cron job replacing the stored one.
import { ScheduleInvalidError, checkTimerRequest, firstDueAt, type RetryPolicy } from '@lucent/core';
import { cronOccurrences } from './cronSchedule.js';
import type { CronJob, OneOffTimer } from './schedulerApi.js';
import type { TimerHandlers } from './timerHandlers.js';
import type { NewTimer, ScheduleResult, TimerStore } from './timerStore.js';

export interface TimerArmingOptions {
  readonly store: TimerStore;
  readonly handlers: TimerHandlers;
  readonly clock: () => number;
  /** Tells the claim loop that a timer may be due before its planned wake-up. */
  readonly wake: () => void;
}

export class TimerArming {
  constructor(private readonly options: TimerArmingOptions) {}

  /** A recurring job, armed at its first occurrence after now; one stored timer per id, replaced when its definition changed. */
  async cron(job: CronJob): Promise<ScheduleResult> {
    const { store, handlers, clock, wake } = this.options;
    const timezone = job.timezone ?? 'UTC';
    const next = cronOccurrences(job.expression, timezone);
    const payload = job.payload ?? null;
    await handlers.checkPayload(job.handler, payload);
    const now = clock();
    const dueAt = firstDueAt(next, now);
    if (dueAt === undefined) throw new ScheduleInvalidError('cron', `Cron expression ${job.expression} has no future occurrence`);
    checkTimerRequest({ id: job.id, kind: 'cron', handler: job.handler, dueAt, payload, misfire: job.misfire, retryPolicy: job.retry });
    const retryPolicy = job.retry && { maxAttempts: job.retry.maxAttempts, baseDelayMs: job.retry.baseDelayMs, maxDelayMs: job.retry.maxDelayMs };
    const timer: NewTimer = {
      id: job.id,
      kind: 'cron',
      handler: job.handler,
      dueAt,
      payload,
      cron: job.expression,
      timezone,
      misfire: job.misfire,
      // Stored only when stated, so a job registered before policies existed keeps its row (and its missed runs).
      ...(retryPolicy !== undefined ? { retryPolicy } : {}),
    };
    const result = await store.schedule(timer, now);
    const stored = result.timer;
    const changed =
      !result.created &&
      (stored.state !== 'pending' ||
        stored.cron !== job.expression ||
        stored.timezone !== timezone ||
        stored.handler !== job.handler ||
        stored.misfire !== job.misfire ||
        !samePolicy(stored.retryPolicy, retryPolicy) ||
        JSON.stringify(stored.payload) !== JSON.stringify(payload));
    if (changed && job.replace !== false) {
      // A changed job definition replaces the stored one; missed runs of the old definition are dropped.
      const replaced = await store.replace(timer, now);
      wake();
      return { created: false, timer: replaced };
    }
    wake();
    return result;
  }

  /** A one-off timer after a delay or at an absolute time; one stored timer per id. */
  async once(t: OneOffTimer): Promise<ScheduleResult> {
    const { store, handlers, clock, wake } = this.options;
    const now = clock();
    if ((t.dueAt === undefined) === (t.delayMs === undefined)) {
      throw new ScheduleInvalidError('dueAt', 'Give exactly one of dueAt and delayMs');
    }
    if (t.delayMs !== undefined && (!Number.isFinite(t.delayMs) || t.delayMs < 0)) {
      throw new ScheduleInvalidError('delayMs', 'delayMs must be a finite number ≥ 0');
    }
    const payload = t.payload ?? null;
    const timer: NewTimer = {
      id: t.id,
      kind: 'once',
      handler: t.handler,
      dueAt: t.dueAt ?? now + (t.delayMs as number),
      payload,
      ...(t.owner !== undefined ? { owner: t.owner } : {}),
    };
    checkTimerRequest(timer);
    await handlers.checkPayload(t.handler, payload);
    const result = await store.schedule(timer, now);
    if (result.created) wake();
    return result;
  }
}

/** Two retry policies alike field by field (either may be unstated). */
export function samePolicy(a: RetryPolicy | undefined, b: RetryPolicy | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.maxAttempts === b.maxAttempts && a.baseDelayMs === b.baseDelayMs && a.maxDelayMs === b.maxDelayMs;
}
