// A saga's wake-ups and waits live in the Scheduler: armed once per time or registration, told back to the runner on match, timeout or wake, and cancelled one by one.
import { describe, expect, it } from 'vitest';
import type { ArmedWait } from '@lucent/core';
import { MemoryTimerStore } from '../scheduler/memoryTimerStore.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { SagaScheduling, type WaitArrival } from './sagaScheduling.js';

function setup() {
  let now = 1_000;
  const scheduler = new Scheduler({ store: new MemoryTimerStore(), clock: () => now, nodeId: 'saga-scheduling-spec' });
  const scheduling = new SagaScheduling(scheduler, 'spec');
  const woken: string[] = [];
  const matched: WaitArrival[] = [];
  const timedOut: [string, string, number][] = [];
  scheduling.connect({
    wake: async (sagaId) => void woken.push(sagaId),
    waitMatched: async (arrival) => void matched.push(arrival),
    waitTimedOut: async (sagaId, key, registeredAt) => void timedOut.push([sagaId, key, registeredAt]),
  });
  return { scheduler, scheduling, woken, matched, timedOut, setNow: (t: number) => (now = t), now: () => now };
}

const confirmation: ArmedWait = { key: 'tx:0xabc:confirmed', registeredAt: 1_000, dueAt: 31_000 };

describe('SagaScheduling', () => {
  it('wakes the saga once at its time, however often the same wake-up is armed', async () => {
    const k = setup();
    await k.scheduling.wakeAt('s1', 5_000);
    await k.scheduling.wakeAt('s1', 5_000);
    expect(await k.scheduler.runDue()).toBe(0);
    k.setNow(5_000);
    await k.scheduler.runDue();
    await k.scheduler.runDue();
    expect(k.woken).toEqual(['s1']);
  });

  it('tells the runner an arrival matched the wait, with its payload and arrival time', async () => {
    const k = setup();
    await k.scheduling.waitFor('s1', confirmation, 1_000, k.now());
    k.setNow(2_000);
    await k.scheduling.deliver(confirmation.key, { block: 7 }, 'cb-1');
    await k.scheduler.runDue();
    expect(k.matched).toEqual([{ sagaId: 's1', key: confirmation.key, registeredAt: 1_000, attempt: 0, payload: { block: 7 }, arrivedAt: 2_000 }]);
    expect(k.timedOut).toEqual([]);
  });

  it('counts an arrival that came after the saga started but before the wait was registered', async () => {
    const k = setup();
    k.setNow(1_500);
    await k.scheduling.deliver(confirmation.key, { early: true });
    k.setNow(3_000);
    await k.scheduling.waitFor('s1', { ...confirmation, registeredAt: 3_000 }, 1_000, k.now());
    await k.scheduler.runDue();
    expect(k.matched.map((m) => m.payload)).toEqual([{ early: true }]);
  });

  it('tells the runner a wait timed out at its due time when nothing arrived', async () => {
    const k = setup();
    await k.scheduling.waitFor('s1', confirmation, 1_000, k.now());
    k.setNow(30_999);
    await k.scheduler.runDue();
    expect(k.timedOut).toEqual([]);
    k.setNow(31_000);
    await k.scheduler.runDue();
    expect(k.timedOut).toEqual([['s1', confirmation.key, 1_000]]);
  });

  it('re-arms a recorded wait after a restart only when its last registration is settled', async () => {
    const k = setup();
    await k.scheduling.ensureWait('s1', confirmation, 1_000, k.now());
    await k.scheduling.ensureWait('s1', confirmation, 1_000, k.now());
    const first = `saga:s1:wait:${confirmation.key}:1000:0`;
    const second = `saga:s1:wait:${confirmation.key}:1000:1`;
    expect((await k.scheduler.get(first))?.state).toBe('pending');
    expect(await k.scheduler.get(second)).toBeUndefined();
    await k.scheduler.cancel(first);
    await k.scheduling.ensureWait('s1', confirmation, 1_000, k.now());
    expect((await k.scheduler.get(second))?.state).toBe('pending');
  });

  it('cancels a wait the saga no longer needs and a wake-up it no longer wants, and neither fires', async () => {
    const k = setup();
    await k.scheduling.waitFor('s1', confirmation, 1_000, k.now());
    await k.scheduling.wakeAt('s1', 5_000);
    await k.scheduling.cancelWait('s1', confirmation);
    await k.scheduling.cancelWake('s1', 5_000);
    k.setNow(40_000);
    await k.scheduler.runDue();
    expect(k.woken).toEqual([]);
    expect(k.timedOut).toEqual([]);
  });
});
