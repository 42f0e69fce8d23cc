// The subscriptions a server refused a process while it started: a shard whose user may not serve its id must fail loudly, not sit idle looking healthy.
import { LucentError } from '@lucent/core';
import type { NatsConnection } from 'nats';

export interface SubscriptionRefusals {
  /** After a round trip (every earlier SUB answered): the subjects refused so far; stops watching. */
  settle(): Promise<string[]>;
}

/** Start watching before subscribing; `settle()` once the subscriptions are made. */
export function watchSubscriptionRefusals(connection: NatsConnection): SubscriptionRefusals {
  const refused: string[] = [];
  let stopped = false;
  const statuses = connection.status();
  void (async () => {
    for await (const s of statuses) {
      if (stopped) break;
      if (s.type === 'error' && s.permissionContext?.operation === 'subscription') refused.push(s.permissionContext.subject);
    }
  })().catch(() => undefined);
  return {
    async settle() {
      // The server answers a SUB it refuses with -ERR before the PONG of a later PING; the status
      // iterator hands it over on a later turn.
      await connection.flush();
      await new Promise((r) => setTimeout(r, 0));
      stopped = true;
      return [...refused];
    },
  };
}

/** A shard started under a NATS user that may not serve it. */
export function shardSubjectsRefused(shardId: string, subjects: readonly string[]): LucentError {
  return new LucentError(
    'FORBIDDEN',
    `NATS refused shard ${shardId} the subscriptions ${subjects.slice(0, 3).join(', ')}${subjects.length > 3 ? ` and ${subjects.length - 3} more` : ''}: its user may not serve this shard id (check LUCENT_NATS_NKEY_SEED / LUCENT_NATS_CREDS and the shard users in the server's permissions)`,
    { shard: shardId, subjects },
  );
}
