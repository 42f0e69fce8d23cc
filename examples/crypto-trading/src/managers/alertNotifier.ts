// Notifies the operator of liquidation alerts: the event side of CQRS, an EventBus fed from the event store.
import type { Logger } from '@lucent/core';
import { EventBus, type EventStore, type Subscription } from '@lucent/runtime';
import type { LiquidationAlert } from './liquidationAlerts.js';

type AlertEvent = { readonly [T in LiquidationAlert['type']]: { readonly type: T; readonly data: Omit<LiquidationAlert, 'type'> } }[LiquidationAlert['type']];

export interface AlertNotifier {
  /** Resolves once every event up to `position` has been through the handlers. */
  waitFor(position: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A log line per alert raised or cleared, the stand-in for a pager or a webhook. The alerts are
 * appended by LiquidationAlerts' timer handlers; telling someone is a reaction to the stored
 * event, so it runs after the append, outside the request, and a slow or failing notifier never
 * holds up an alert. The checkpoint is durable: a restart resumes after the last alert told, and
 * a new notifier first catches up on the alerts already in the log. Delivery is at least once
 * (a crash between the log line and the checkpoint repeats that batch).
 */
export function notifyAlerts(options: { readonly events: EventStore; readonly logger: Logger; readonly subscriberId?: string }): AlertNotifier {
  const { events, logger } = options;
  const bus = new EventBus<AlertEvent>();
  bus.on('LiquidationAlertRaised', (e) => logger.warn('liquidation alert raised', { ...e.data, stream: e.stream }));
  bus.on('LiquidationAlertCleared', (e) => logger.info('liquidation alert cleared', { ...e.data, stream: e.stream }));
  const subscription: Subscription = bus.connect(events, options.subscriberId ?? 'crypto.alert-notifier', (error) =>
    logger.warn('alert notifier failed; retrying from its checkpoint', { error: String(error) }),
  );
  return { waitFor: (position, timeoutMs) => subscription.waitFor(position, timeoutMs), close: () => subscription.stop() };
}
