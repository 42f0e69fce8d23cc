// A saga's wake-up: armed in the Scheduler once per wake time, forgotten when it fires, cancelled when the saga finishes.
import { describe, expect, it } from 'vitest';
import { MemoryTimerStore } from '../scheduler/memoryTimerStore.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { SagaScheduling } from './sagaScheduling.js';
import { SagaWakeTimers } from './sagaWakeTimers.js';

function setup() {
  let now = 1_000;
  const timers = new MemoryTimerStore();
  const scheduler = new Scheduler({ store: timers, clock: () => now, nodeId: 'wake-spec' });
  const scheduling = new SagaScheduling(scheduler, 'spec');
  const woken: string[] = [];
  scheduling.connect({ wake: async (id) => void woken.push(id), waitMatched: async () => {}, waitTimedOut: async () => {} });
  const wakes = new SagaWakeTimers(scheduling, () => now);
  return { wakes, scheduler, woken, setNow: (t: number) => (now = t) };
}

describe('SagaWakeTimers', () => {
  it('arms a durable wake-up in the Scheduler and does not arm the same time twice', async () => {
    const { wakes, scheduler } = setup();
    await wakes.arm('s1', 5_000);
    await scheduler.cancel('saga:s1:wake:5000');
    await wakes.arm('s1', 5_000); // unchanged plan: nothing written, so the cancelled timer stays cancelled
    expect((await scheduler.get('saga:s1:wake:5000'))?.state).toBe('cancelled');
    await wakes.arm('s1', 7_000);
    expect((await scheduler.get('saga:s1:wake:7000'))?.state).toBe('pending');
    expect(wakes.armedAt('s1')).toBe(7_000);
  });

  it('wakes the saga through the Scheduler at the armed time', async () => {
    const { wakes, scheduler, woken, setNow } = setup();
    await wakes.arm('s1', 5_000);
    expect(await scheduler.runDue()).toBe(0);
    setNow(5_000);
    await scheduler.runDue();
    expect(woken).toEqual(['s1']);
  });

  it('forgets a wake-up when it fires at or after its time, not before', async () => {
    const { wakes, setNow } = setup();
    await wakes.arm('s1', 5_000);
    setNow(4_999);
    wakes.fired('s1');
    expect(wakes.armedAt('s1')).toBe(5_000);
    setNow(5_000);
    wakes.fired('s1');
    expect(wakes.armedAt('s1')).toBeUndefined();
  });

  it('cancels the pending wake-up of a finished saga', async () => {
    const { wakes, scheduler } = setup();
    await wakes.arm('s1', 5_000);
    await wakes.disarm('s1');
    expect((await scheduler.get('saga:s1:wake:5000'))?.state).toBe('cancelled');
    expect(wakes.armedAt('s1')).toBeUndefined();
    await wakes.disarm('never-armed');
  });
});
