// What the transport's listening parts use of a connection: a subscription with a callback, which a nats.js NatsConnection has, so each part can be specified without a server.
import type { Msg, Subscription } from 'nats';

/** The fields of a delivered message the transport reads. */
export type DeliveredMsg = Pick<Msg, 'subject' | 'reply' | 'headers' | 'data'>;

/** An open subscription, as the parts keep it: only to close it. */
export type OpenSubscription = Pick<Subscription, 'unsubscribe'>;

export interface SubscribingConnection {
  subscribe(subject: string, options: { callback: (error: Error | null, msg: DeliveredMsg) => void }): OpenSubscription;
}
