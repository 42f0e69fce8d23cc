// A cron expression becomes the times it fires, strictly after a given time, in its time zone; a bad expression or zone is refused with SCHEDULE_INVALID naming the field.
import { describe, expect, it } from 'vitest';
import { ScheduleInvalidError } from '@lucent/core';
import { cronOccurrences } from './cronSchedule.js';

const at = (iso: string): number => Date.parse(iso);

function refusal(expression: string, timezone?: string): { code: string; field: string } | undefined {
  try {
    cronOccurrences(expression, timezone);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ScheduleInvalidError);
    const e = error as ScheduleInvalidError;
    return { code: e.code, field: e.field };
  }
}

describe('cronOccurrences', () => {
  it('gives the next minute-precision firing strictly after the time it is asked about', () => {
    const everyFive = cronOccurrences('*/5 * * * *');
    expect(everyFive(at('2026-03-01T10:02:30Z'))).toBe(at('2026-03-01T10:05:00Z'));
    // A time exactly on an occurrence asks for the one after it, so a fired occurrence is never given twice.
    expect(everyFive(at('2026-03-01T10:05:00Z'))).toBe(at('2026-03-01T10:10:00Z'));
  });

  it('reads six fields as seconds first', () => {
    const everyTenSeconds = cronOccurrences('*/10 * * * * *');
    expect(everyTenSeconds(at('2026-03-01T10:00:01Z'))).toBe(at('2026-03-01T10:00:10Z'));
  });

  it('fires at the wall-clock time of its zone, following daylight saving', () => {
    const nineInBerlin = cronOccurrences('0 9 * * *', 'Europe/Berlin');
    expect(nineInBerlin(at('2026-01-15T12:00:00Z'))).toBe(at('2026-01-16T08:00:00Z'));
    expect(nineInBerlin(at('2026-07-15T12:00:00Z'))).toBe(at('2026-07-16T07:00:00Z'));
    expect(cronOccurrences('0 9 * * *')(at('2026-01-15T12:00:00Z'))).toBe(at('2026-01-16T09:00:00Z'));
  });

  it('refuses an empty, malformed or seven-field expression on the cron field and an unknown zone on the timezone field', () => {
    expect(refusal('')).toEqual({ code: 'SCHEDULE_INVALID', field: 'cron' });
    expect(refusal('   ')).toEqual({ code: 'SCHEDULE_INVALID', field: 'cron' });
    expect(refusal('61 * * * *')).toEqual({ code: 'SCHEDULE_INVALID', field: 'cron' });
    expect(refusal('every minute')).toEqual({ code: 'SCHEDULE_INVALID', field: 'cron' });
    // Five or six fields only: a seventh (a year) is not read as one.
    expect(refusal('0 0 0 1 1 * 2027')).toEqual({ code: 'SCHEDULE_INVALID', field: 'cron' });
    expect(refusal('* * * * *', 'Mars/Olympus_Mons')).toEqual({ code: 'SCHEDULE_INVALID', field: 'timezone' });
  });
});
