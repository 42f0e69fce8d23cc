// Event triggers and conditions: an appended event arms a once-in-the-cluster timer, or matches the condition waits it makes true.
import { ScheduleInvalidError, checkTimerRequest, matchesEventFilter, type JsonValue } from '@lucent/core';
import type { StoredEvent } from '../eventStore/eventStore.js';
import type { ConditionDefinition, ConditionWait, EventTrigger, WaitRegistration } from './schedulerApi.js';
import type { TimerHandlers } from './timerHandlers.js';
import type { NewTimer, TimerRecord, TimerStore } from './timerStore.js';

/** Due time of a condition without a deadline: it waits until it holds or is cancelled. */
export const neverDue = Number.MAX_SAFE_INTEGER;

export interface EventTriggersOptions {
  readonly store: TimerStore;
  readonly handlers: TimerHandlers;
  readonly clock: () => number;
  /** Tells the claim loop that a timer is due now. */
  readonly wake: () => void;
}

export class EventTriggers {
  private readonly triggers = new Map<string, EventTrigger>();
  private readonly conditions = new Map<string, ConditionDefinition>();

  constructor(private readonly options: EventTriggersOptions) {}

  /** True when there is anything for appended events to drive (the scheduler subscribes only then). */
  get any(): boolean {
    return this.triggers.size > 0 || this.conditions.size > 0;
  }

  onEvent(trigger: EventTrigger): void {
    this.options.handlers.require(trigger.handler, 'handler');
    this.triggers.set(trigger.name, trigger);
  }

  defineCondition(definition: ConditionDefinition): void {
    this.conditions.set(definition.name, definition);
  }

  /** Arm a wait on a defined condition for a subject, checked at once; true when it already held. */
  async whenCondition(wait: ConditionWait): Promise<WaitRegistration> {
    const { store, handlers, clock, wake } = this.options;
    const definition = this.conditions.get(wait.condition);
    if (!definition) throw new ScheduleInvalidError('condition', `No condition named ${wait.condition} is defined`);
    if (wait.timeoutMs !== undefined && (!Number.isFinite(wait.timeoutMs) || wait.timeoutMs <= 0)) {
      throw new ScheduleInvalidError('timeoutMs', 'timeoutMs must be a finite number > 0');
    }
    if ((wait.timeoutMs === undefined) !== (wait.onTimeout === undefined)) {
      throw new ScheduleInvalidError('onTimeout', 'Give onTimeout together with timeoutMs');
    }
    const now = clock();
    const payload = wait.payload ?? null;
    const waitKey = `${wait.condition}:${wait.subject}`;
    const timer: NewTimer = {
      id: wait.id ?? `condition:${waitKey}`,
      kind: 'condition',
      handler: wait.onTrue,
      dueAt: wait.timeoutMs !== undefined ? now + wait.timeoutMs : neverDue,
      waitKey,
      payload,
      ...(wait.onTimeout !== undefined ? { timeoutHandler: wait.onTimeout } : {}),
      ...(wait.owner !== undefined ? { owner: wait.owner } : {}),
    };
    checkTimerRequest(timer);
    await handlers.checkPayload(wait.onTrue, payload);
    if (wait.onTimeout !== undefined) handlers.require(wait.onTimeout, 'onTimeout');
    const result = await store.schedule(timer, now);
    let matched = false;
    if (result.created) matched = await this.checkCondition(definition, wait.subject, undefined, [result.timer]);
    wake();
    return { id: timer.id, created: result.created, matchedOnArrival: matched };
  }

  /** Feed appended events to event triggers and conditions, in order. */
  async handleEvents(events: readonly StoredEvent[]): Promise<void> {
    const { store, clock, wake } = this.options;
    for (const event of events) {
      for (const trigger of this.triggers.values()) {
        if (!matchesEventFilter(trigger.filter, event)) continue;
        const payload = trigger.payloadOf
          ? trigger.payloadOf(event)
          : ({ stream: event.stream, type: event.type, data: event.data as JsonValue, globalPosition: event.globalPosition } as JsonValue);
        // The id makes every node's copy of this event one timer, so the handler runs once in all.
        const now = clock();
        const r = await store.schedule(
          { id: `event:${trigger.name}:${event.globalPosition}`, kind: 'once', handler: trigger.handler, dueAt: now, payload },
          now,
        );
        if (r.created) wake();
      }
      for (const definition of this.conditions.values()) {
        if (!matchesEventFilter(definition.filter, event)) continue;
        for (const subject of subjectsOf(definition, event)) {
          const waiting = (
            await store.list({ kind: 'condition', waitKey: `${definition.name}:${subject}`, state: 'pending' })
          ).filter((t) => t.match === undefined);
          if (waiting.length > 0) await this.checkCondition(definition, subject, event, waiting);
        }
      }
    }
  }

  /** Ask the condition about a subject; when it holds, match the waiting timers with its evidence. */
  private async checkCondition(
    definition: ConditionDefinition,
    subject: string,
    event: StoredEvent | undefined,
    waiting: readonly TimerRecord[],
  ): Promise<boolean> {
    const { store, clock, wake } = this.options;
    const check = await definition.holds(subject, event);
    if (!check.holds) return false;
    const now = clock();
    const evidenceId = event ? `event:${event.globalPosition}` : `check:${now}`;
    let any = false;
    for (const t of waiting) {
      if (await store.match(t.id, { arrivalId: evidenceId, payload: check.evidence, arrivedAt: now }, now)) any = true;
    }
    if (any) wake();
    return any;
  }
}

/** The distinct subjects an event concerns for a condition (one, several, or none). */
export function subjectsOf(definition: ConditionDefinition, event: StoredEvent): readonly string[] {
  const subjects = definition.subjectOf(event);
  if (subjects === undefined) return [];
  return typeof subjects === 'string' ? [subjects] : [...new Set(subjects)];
}
