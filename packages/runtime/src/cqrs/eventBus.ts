// EventBus: fan stored events out to typed handlers, fed from an event store subscription (at least once).
import type { DomainEvent } from '@lucent/core';
import type { EventStore, StoredEvent, Subscription } from '../eventStore/eventStore.js';

export type EventHandler<E extends DomainEvent> = (event: StoredEvent<E>) => Promise<void> | void;

export class EventBus<E extends DomainEvent = DomainEvent> {
  private readonly handlers = new Map<string, EventHandler<E>[]>();

  on<T extends E['type']>(type: T, handler: EventHandler<Extract<E, { type: T }>>): () => void {
    const list = this.handlers.get(type) ?? [];
    list.push(handler as EventHandler<E>);
    this.handlers.set(type, list);
    return () => {
      const at = list.indexOf(handler as EventHandler<E>);
      if (at >= 0) list.splice(at, 1);
    };
  }

  /** Run every handler of each event in order; a failure rejects, so a subscription redelivers. */
  async publish(events: readonly StoredEvent[]): Promise<void> {
    for (const event of events) {
      const list = this.handlers.get(event.type);
      if (list === undefined) continue;
      for (const h of [...list]) await h(event as StoredEvent<E>);
    }
  }

  /** Feed the bus from the store, resuming from `subscriberId`'s checkpoint. */
  connect(store: EventStore, subscriberId: string, onError?: (error: unknown) => void): Subscription {
    return store.subscribe({ subscriberId, handler: (events) => this.publish(events), onError });
  }
}
