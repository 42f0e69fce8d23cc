// Listens on the timer store's NOTIFY channel and hands each announcement (due soon, claim dropped) to a scheduler.
import pg from 'pg';
import type { TimerStoreListener } from '@lucent/runtime';
import { PgliteSqlClient, PgSqlClient, type SqlClient } from '../eventStore/sqlClient.js';

function dispatch(payload: string | undefined, listener: TimerStoreListener): void {
  if (payload === undefined) return;
  if (payload.startsWith('due:')) {
    const dueAt = Number(payload.slice(4));
    if (Number.isFinite(dueAt)) listener.due(dueAt);
  } else if (payload.startsWith('drop:')) {
    listener.dropped(payload.slice(5));
  }
}

/**
 * LISTEN on `channel` with a connection of its own (a pooled one cannot hold a LISTEN). The
 * connection is re-opened when it drops; since notices sent meanwhile are lost, every (re)connect
 * reports "due now" so the scheduler looks at the store once. Returns a function that stops.
 */
export async function listenForTimers(client: SqlClient, channel: string, listener: TimerStoreListener): Promise<() => Promise<void>> {
  if (client instanceof PgliteSqlClient) {
    const stop = await client.db.listen(channel, (payload) => dispatch(payload, listener));
    return () => stop();
  }
  if (!(client instanceof PgSqlClient)) return async () => undefined;
  let current: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    if (stopped) return;
    const c = new pg.Client(client.pool.options);
    c.on('error', () => undefined);
    c.on('notification', (n) => dispatch(n.payload, listener));
    c.on('end', () => {
      if (current === c) current = undefined;
      if (!stopped) retry = setTimeout(() => void connect(), 500);
    });
    try {
      await c.connect();
      await c.query(`LISTEN "${channel}"`);
      current = c;
      listener.due(0);
    } catch {
      await c.end().catch(() => undefined);
    }
  };
  await connect();
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    const c = current;
    current = undefined;
    await c?.end().catch(() => undefined);
  };
}
