// Listens on the timer store's NOTIFY channel and hands each announcement (due soon, claim dropped) to a scheduler.
import type { TimerStoreListener } from '@lucent/runtime';
import type { SqlClient } from '../eventStore/sqlClient.js';

function dispatch(payload: string | undefined, listener: TimerStoreListener): void {
  // No payload: the listening connection has just (re)connected and notices sent meanwhile are lost.
  if (payload === undefined) {
    listener.due(0);
  } else if (payload.startsWith('due:')) {
    const dueAt = Number(payload.slice(4));
    if (Number.isFinite(dueAt)) listener.due(dueAt);
  } else if (payload.startsWith('drop:')) {
    listener.dropped(payload.slice(5));
  }
}

/**
 * LISTEN on `channel` through the client's own LISTEN handling (on PostgreSQL a connection of
 * its own that is re-opened when it drops). Every (re)connect reports "due now" so the scheduler
 * looks at the store once. Returns a function that stops.
 */
export async function listenForTimers(client: SqlClient, channel: string, listener: TimerStoreListener): Promise<() => Promise<void>> {
  return client.listen(channel, (payload) => dispatch(payload, listener));
}
