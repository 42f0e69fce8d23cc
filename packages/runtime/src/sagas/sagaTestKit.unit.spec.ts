// The virtual-clock kit also drives plain schedules: the Scheduler in it shares the clock, so a cron job's minutes pass in milliseconds.
import { describe, expect, it } from 'vitest';
import { SagaTestKit } from './sagaTestKit.js';

describe('SagaTestKit with a schedule', () => {
  it('fires a cron job once per minute and a one-off delay at its time, as the virtual clock passes them', async () => {
    const kit = new SagaTestKit({ sagas: [], start: Date.UTC(2026, 0, 1, 12, 0, 30) });
    const fired: string[] = [];
    kit.scheduler.handle('yield.recompute', (f) => {
      fired.push(`cron@${new Date(f.scheduledFor).toISOString().slice(11, 19)}`);
    });
    kit.scheduler.handle('reminder', (f) => {
      fired.push(`once@${new Date(f.now).toISOString().slice(11, 19)}`);
    });
    await kit.scheduler.cron({ id: 'yield', expression: '* * * * *', handler: 'yield.recompute', misfire: 'skip' });
    await kit.scheduler.schedule({ id: 'r1', handler: 'reminder', delayMs: 90_000 });

    await kit.advance(29_999);
    expect(fired).toEqual([]);
    await kit.advance(3 * 60_000);
    expect([...fired].sort()).toEqual(['cron@12:01:00', 'cron@12:02:00', 'cron@12:03:00', 'once@12:02:00']);
  });
});
