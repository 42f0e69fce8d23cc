// Event triggers and conditions: a matching event arms one timer however many nodes see it; a condition wait is matched at once or by a later event.
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../eventStore/eventStore.js';
import { codeOf } from '../../../../test/support/lucentErrorCode.js';
import { EventTriggers, neverDue, subjectsOf } from './eventTriggers.js';
import { MemoryTimerStore } from './memoryTimerStore.js';
import type { ConditionDefinition } from './schedulerApi.js';
import { TimerHandlers } from './timerHandlers.js';

const t0 = 1_000_000;
const event = (globalPosition: number, type: string, data: { account: string; balance?: number }): StoredEvent => ({
  id: `e${globalPosition}`,
  stream: `account-${data.account}`,
  type,
  data,
  metadata: {},
  streamVersion: 1,
  globalPosition,
  timestamp: t0,
});

function kit() {
  const store = new MemoryTimerStore();
  const handlers = new TimerHandlers('n1', () => t0, 1_000);
  handlers.handle('h', () => undefined);
  let wakes = 0;
  const balances = new Map<string, number>();
  const funded: ConditionDefinition = {
    name: 'funded',
    filter: { types: ['Deposited'] },
    subjectOf: (e) => (e.data as { account: string }).account,
    holds: (subject) => {
      const balance = balances.get(subject) ?? 0;
      return balance >= 100 ? { holds: true, evidence: { balance } } : { holds: false };
    },
  };
  const triggers = new EventTriggers({ store, handlers, clock: () => t0, wake: () => void wakes++ });
  triggers.defineCondition(funded);
  return { store, triggers, balances, funded, wakes: () => wakes };
}

describe('EventTriggers', () => {
  it('arms one timer per matching event, however many times (or nodes) it is handled', async () => {
    const k = kit();
    k.triggers.onEvent({ name: 'welcome', filter: { types: ['Opened'] }, handler: 'h' });
    const opened = event(7, 'Opened', { account: 'a' });
    await k.triggers.handleEvents([opened, event(8, 'Closed', { account: 'a' })]);
    await k.triggers.handleEvents([opened]);
    const armed = await k.store.list({ kind: 'once' });
    expect(armed.map((t) => [t.id, t.dueAt])).toEqual([['event:welcome:7', t0]]);
    expect(armed[0]?.payload).toMatchObject({ stream: 'account-a', type: 'Opened', globalPosition: 7 });
    expect(k.wakes()).toBe(1);
  });

  it('refuses a trigger whose handler is not registered', () => {
    expect(() => kit().triggers.onEvent({ name: 'x', filter: {}, handler: 'nope' })).toThrow(/No timer handler named "nope"/);
  });

  it('matches a condition wait at once when it already holds, and otherwise on the event that makes it hold', async () => {
    const k = kit();
    k.balances.set('rich', 500);
    expect(await k.triggers.whenCondition({ condition: 'funded', subject: 'rich', onTrue: 'h' })).toMatchObject({ matchedOnArrival: true });
    expect(await k.triggers.whenCondition({ condition: 'funded', subject: 'poor', onTrue: 'h' })).toMatchObject({ id: 'condition:funded:poor', matchedOnArrival: false });
    expect(await k.store.get('condition:funded:poor')).toMatchObject({ dueAt: neverDue });
    await k.triggers.handleEvents([event(1, 'Deposited', { account: 'poor' })]);
    expect((await k.store.get('condition:funded:poor'))?.match).toBeUndefined();
    k.balances.set('poor', 100);
    await k.triggers.handleEvents([event(2, 'Deposited', { account: 'poor' })]);
    expect((await k.store.get('condition:funded:poor'))?.match).toMatchObject({ arrivalId: 'event:2', payload: { balance: 100 } });
  });

  it('refuses a wait on an unknown condition, or a timeout without its handler', async () => {
    const k = kit();
    expect(await codeOf(k.triggers.whenCondition({ condition: 'nope', subject: 's', onTrue: 'h' }))).toBe('SCHEDULE_INVALID');
    expect(await codeOf(k.triggers.whenCondition({ condition: 'funded', subject: 's', onTrue: 'h', timeoutMs: 10 }))).toBe('SCHEDULE_INVALID');
  });

  it('reads each subject of an event once', () => {
    const k = kit();
    const many: ConditionDefinition = { ...k.funded, subjectOf: () => ['a', 'b', 'a'] };
    expect(subjectsOf(many, event(1, 'Deposited', { account: 'a' }))).toEqual(['a', 'b']);
    expect(subjectsOf({ ...k.funded, subjectOf: () => undefined }, event(1, 'Deposited', { account: 'a' }))).toEqual([]);
  });
});
