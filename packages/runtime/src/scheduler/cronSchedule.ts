// Turns a cron expression into the pure Occurrences function the core's misfire policy walks, using croner.
import { Cron } from 'croner';
import { ScheduleInvalidError, type Occurrences } from '@lucent/core';

const cache = new Map<string, Occurrences>();

/**
 * Parse `expression` (five fields, or six with seconds first) in `timezone` (UTC when omitted).
 * Throws ScheduleInvalidError (field `cron` or `timezone`) for an expression croner rejects.
 */
export function cronOccurrences(expression: string, timezone = 'UTC'): Occurrences {
  const cacheKey = `${timezone}\u0000${expression}`;
  const hit = cache.get(cacheKey);
  if (hit) return hit;
  if (typeof expression !== 'string' || expression.trim().length === 0) {
    throw new ScheduleInvalidError('cron', 'Invalid cron expression: it is empty', { expression: String(expression) });
  }
  let cron: Cron;
  try {
    // Paused and without a callback, croner only computes dates; it never starts a timer.
    cron = new Cron(expression, { paused: true, timezone });
    cron.nextRun(new Date(0));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const field = /time ?zone/i.test(reason) ? 'timezone' : 'cron';
    throw new ScheduleInvalidError(field, `Invalid cron ${field === 'cron' ? 'expression' : 'time zone'} ${JSON.stringify(field === 'cron' ? expression : timezone)}: ${reason}`, {
      expression,
      timezone,
      reason,
    });
  }
  const occurrences: Occurrences = (after) => {
    // croner works at whole seconds and returns the first run strictly after its argument.
    const next = cron.nextRun(new Date(after));
    return next === null ? undefined : next.getTime();
  };
  if (cache.size > 1_000) cache.clear();
  cache.set(cacheKey, occurrences);
  return occurrences;
}
