// The loop's sleep: ends at its time or when woken, and a wake-up while awake is not lost.
import { describe, expect, it } from 'vitest';
import { WakeableSleep } from './wakeableSleep.js';

describe('WakeableSleep', () => {
  it('ends a long sleep as soon as it is woken, and plans no wake-up while awake', async () => {
    const sleep = new WakeableSleep(Date.now);
    const started = Date.now();
    const asleep = sleep.sleep(started + 60_000);
    expect(sleep.plannedWakeAt).toBe(started + 60_000);
    sleep.wake();
    await asleep;
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(sleep.plannedWakeAt).toBe(Number.POSITIVE_INFINITY);
  });

  it('keeps a wake-up that came while awake: the next sleep returns at once, the one after sleeps', async () => {
    const sleep = new WakeableSleep(Date.now);
    sleep.wake();
    const started = Date.now();
    await sleep.sleep(started + 60_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    const t = Date.now();
    await sleep.sleep(t + 30);
    expect(Date.now() - t).toBeGreaterThanOrEqual(25);
  });

  it('does not sleep for a time already past', async () => {
    let now = 100;
    const sleep = new WakeableSleep(() => now);
    await sleep.sleep(50);
    now = 200;
    await sleep.sleep(200);
    expect(sleep.plannedWakeAt).toBe(Number.POSITIVE_INFINITY);
  });
});
