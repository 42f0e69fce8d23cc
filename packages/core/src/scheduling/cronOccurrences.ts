// Next-fire computation over a schedule's occurrences, with the schedule itself passed in as a function.

/**
 * A recurring schedule as a pure function: the first occurrence strictly after `after`
 * (epoch ms), or undefined when there is none. The shell builds it from a cron parser.
 */
export type Occurrences = (after: number) => number | undefined;

/** The first occurrence at or after `from`: where a new recurring timer is armed. */
export function firstDueAt(next: Occurrences, from: number): number | undefined {
  return next(from - 1);
}

/** Occurrences in (after, until], at most `max`, oldest first. */
export function occurrencesBetween(next: Occurrences, after: number, until: number, max: number): number[] {
  const out: number[] = [];
  let at = next(after);
  while (at !== undefined && at <= until && out.length < max) {
    out.push(at);
    at = next(at);
  }
  return out;
}

/** A fixed-period schedule, for intervals that cron cannot express (sub-second, or not dividing a minute). */
export function everyMs(periodMs: number, anchor = 0): Occurrences {
  return (after) => anchor + (Math.floor((after - anchor) / periodMs) + 1) * periodMs;
}
