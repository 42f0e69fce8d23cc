// What the schedules view lists, read from a timer store: cron jobs with their next firing and last runs, armed timers, external waits.
import type { JsonValue } from '@lucent/core';
import type { TimerOutcomeRecord, TimerRecord, TimerStore } from '@lucent/runtime';

const iso = (ms: number): string => new Date(ms).toISOString();

export interface CronRun {
  readonly at: string;
  /** The occurrence the run stood for. */
  readonly scheduledFor: string;
  /** fired, failed, retrying (a retry is armed), skipped (a missed occurrence the misfire policy dropped), cancelled. */
  readonly outcome: string;
  readonly error: string | null;
}

export interface CronRow {
  readonly name: string;
  readonly expression: string;
  readonly timezone: string;
  readonly handler: string;
  readonly misfire: string | null;
  /** Null once the job is cancelled or finished. */
  readonly nextAt: string | null;
  readonly state: string;
  /** The newest runs, newest first. */
  readonly last: CronRun[];
}

export interface TimerRow {
  readonly id: string;
  /** The handler it runs. */
  readonly name: string;
  readonly dueAt: string;
  readonly attempts: number;
  readonly owner: string | null;
  /** Set on a retry of a failed cron run: the job and the occurrence it runs again. */
  readonly retryOf: { readonly timerId: string; readonly scheduledFor: string } | null;
}

export interface WaitRow {
  readonly id: string;
  /** What it waits for: the key of the outside event, or `condition subject` for a condition. */
  readonly event: string;
  readonly kind: 'external' | 'condition';
  readonly deadlineAt: string;
  /** The handler run when the deadline passes unmatched. */
  readonly fallback: string | null;
  readonly owner: string | null;
  /** True when an event matched it and its handler is about to run. */
  readonly matched: boolean;
}

export interface ScheduleOverview {
  readonly crons: CronRow[];
  readonly timers: TimerRow[];
  readonly waits: WaitRow[];
}

function errorOf(detail: JsonValue | undefined): string | null {
  const error = detail !== null && typeof detail === 'object' && !Array.isArray(detail) ? (detail as { readonly [key: string]: JsonValue })['error'] : undefined;
  return typeof error === 'string' ? error : error === undefined || error === null ? null : JSON.stringify(error);
}

function run(o: TimerOutcomeRecord): CronRun {
  return { at: iso(o.at), scheduledFor: iso(o.scheduledFor), outcome: o.outcome, error: errorOf(o.detail) };
}

function waitRow(t: TimerRecord): WaitRow {
  return {
    id: t.id,
    event: t.waitKey ?? '',
    kind: t.kind === 'condition' ? 'condition' : 'external',
    deadlineAt: iso(t.deadline ?? t.dueAt),
    fallback: t.timeoutHandler ?? null,
    owner: t.owner ?? null,
    matched: t.match !== undefined,
  };
}

/**
 * Every cron job (with its `runs` newest runs), the pending one-off timers by due time (retries of
 * failed cron runs among them) and the pending waits by deadline, `limit` of each at most.
 */
export async function readSchedules(store: TimerStore, options: { readonly runs: number; readonly limit: number }): Promise<ScheduleOverview> {
  const [jobs, once, external, condition] = await Promise.all([
    store.list({ kind: 'cron', limit: options.limit }),
    store.list({ kind: 'once', state: 'pending', limit: options.limit }),
    store.list({ kind: 'external', state: 'pending', limit: options.limit }),
    store.list({ kind: 'condition', state: 'pending', limit: options.limit }),
  ]);
  const crons = await Promise.all(
    jobs.map(async (job): Promise<CronRow> => {
      const runs = await store.outcomes(job.id, { latest: options.runs });
      return {
        name: job.id,
        expression: job.cron ?? '',
        timezone: job.timezone ?? 'UTC',
        handler: job.handler,
        misfire: job.misfire ?? null,
        nextAt: job.state === 'pending' ? iso(job.dueAt) : null,
        state: job.state,
        last: runs.reverse().map(run),
      };
    }),
  );
  crons.sort((a, b) => (a.nextAt ?? '~').localeCompare(b.nextAt ?? '~') || a.name.localeCompare(b.name));
  const timers = once.map(
    (t): TimerRow => ({
      id: t.id,
      name: t.handler,
      dueAt: iso(t.dueAt),
      attempts: t.attempts,
      owner: t.owner ?? null,
      retryOf: t.retryOf === undefined ? null : { timerId: t.retryOf.timerId, scheduledFor: iso(t.retryOf.scheduledFor) },
    }),
  );
  const waits = [...external, ...condition].map(waitRow).sort((a, b) => a.deadlineAt.localeCompare(b.deadlineAt) || a.id.localeCompare(b.id));
  return { crons, timers, waits: waits.slice(0, options.limit) };
}
