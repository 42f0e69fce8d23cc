// Misfire decisions after downtime: what skip, fire once and catch up each fire, and where the job resumes.
import { describe, expect, it } from 'vitest';
import { everyMs, firstDueAt, occurrencesBetween } from './cronOccurrences.js';
import { decideMisfire } from './misfirePolicy.js';

const minute = 60_000;
const everyMinute = everyMs(minute);
const at = (m: number): number => m * minute;

describe('decideMisfire', () => {
  it('fires an on-time occurrence once and re-arms at the next one, whatever the policy', () => {
    for (const policy of ['skip', 'fireOnce', 'catchUp'] as const) {
      expect(decideMisfire({ policy, dueAt: at(10), now: at(10) + 40, next: everyMinute })).toEqual({ fire: [at(10)], skipped: 0, nextDueAt: at(11) });
    }
  });

  it('fires nothing for a timer that is not due yet', () => {
    expect(decideMisfire({ policy: 'catchUp', dueAt: at(10), now: at(9), next: everyMinute })).toEqual({ fire: [], skipped: 0, nextDueAt: at(10) });
  });

  it('after 5 minutes of downtime: skip fires none, fireOnce fires the latest, catchUp fires all five in order', () => {
    const input = { dueAt: at(10), now: at(14) + 30_000 + 1, next: everyMinute, graceMs: 30_000 };
    expect(decideMisfire({ ...input, policy: 'skip' })).toEqual({ fire: [], skipped: 5, nextDueAt: at(15) });
    expect(decideMisfire({ ...input, policy: 'fireOnce' })).toEqual({ fire: [at(14)], skipped: 4, nextDueAt: at(15) });
    expect(decideMisfire({ ...input, policy: 'catchUp' })).toEqual({ fire: [at(10), at(11), at(12), at(13), at(14)], skipped: 0, nextDueAt: at(15) });
  });

  it('skip still fires the latest occurrence when it is within the grace window (late, not missed)', () => {
    expect(decideMisfire({ policy: 'skip', dueAt: at(10), now: at(14) + 5_000, next: everyMinute, graceMs: 30_000 })).toEqual({
      fire: [at(14)],
      skipped: 4,
      nextDueAt: at(15),
    });
  });

  it('catchUp fires in bounded batches and re-arms at the first unfired occurrence, so nothing is dropped', () => {
    const d = decideMisfire({ policy: 'catchUp', dueAt: at(0), now: at(9), next: everyMinute, maxCatchUp: 4 });
    expect(d).toEqual({ fire: [at(0), at(1), at(2), at(3)], skipped: 0, nextDueAt: at(4) });
    const d2 = decideMisfire({ policy: 'catchUp', dueAt: d.nextDueAt!, now: at(9), next: everyMinute, maxCatchUp: 4 });
    expect(d2.fire).toEqual([at(4), at(5), at(6), at(7)]);
  });

  it('stays cheap after a very long outage with a per-second schedule', () => {
    const everySecond = everyMs(1_000);
    const d = decideMisfire({ policy: 'fireOnce', dueAt: 0, now: 365 * 24 * 3_600_000, next: everySecond });
    expect(d.fire).toHaveLength(1);
    expect(d.nextDueAt).toBe(365 * 24 * 3_600_000 + 1_000);
    expect(d.fire[0]).toBe(365 * 24 * 3_600_000);
  });

  it('ends a schedule that has no further occurrence', () => {
    const twice = (after: number): number | undefined => (after < at(1) ? at(1) : after < at(2) ? at(2) : undefined);
    expect(decideMisfire({ policy: 'catchUp', dueAt: at(1), now: at(5), next: twice })).toEqual({ fire: [at(1), at(2)], skipped: 0, nextDueAt: undefined });
  });
});

describe('occurrences', () => {
  it('arms a new job at the first occurrence at or after now, and lists a window', () => {
    expect(firstDueAt(everyMinute, at(3))).toBe(at(3));
    expect(firstDueAt(everyMinute, at(3) + 1)).toBe(at(4));
    expect(occurrencesBetween(everyMinute, at(3), at(6), 10)).toEqual([at(4), at(5), at(6)]);
    expect(occurrencesBetween(everyMinute, at(3), at(60), 2)).toEqual([at(4), at(5)]);
  });
});
