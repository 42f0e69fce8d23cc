// Versioned, idempotent schema migrations for the event store, serialized across processes by an advisory lock.
// One file per migration under ./migrations/, listed here in the order they apply. A database records
// the versions it applied (not their text), so an applied migration's SQL must never change: a change
// to the schema is a new migration at the end of the list. migrations.unit.spec.ts pins each one's SQL.
import type { SqlClient } from './sqlClient.js';
import { runMigrations, type SchemaMigration } from '../migrations/runMigrations.js';
import { checkSchemaName } from './migrations/schemaSql.js';
import { migration1 } from './migrations/v1StreamsAndAppend.js';
import { migration2 } from './migrations/v2SingleEventAppend.js';
import { migration3 } from './migrations/v3PositionSequence.js';
import { migration4 } from './migrations/v4KeyFingerprints.js';
import { migration5 } from './migrations/v5TransactionPositions.js';
import { migration6 } from './migrations/v6StreamLock.js';
import { migration7 } from './migrations/v7InlinedAppendSteps.js';
import { migration8 } from './migrations/v8OneStatementAppends.js';
import { migration9 } from './migrations/v9AppendGroups.js';

export { checkSchemaName, eventIdIndex, generatedIdRange, notifyChannel } from './migrations/schemaSql.js';

/** The numbered steps, oldest first (exported so a test can stop at an older version and upgrade). */
export const eventStoreMigrations: readonly SchemaMigration[] = [
  migration1,
  migration2,
  migration3,
  migration4,
  migration5,
  migration6,
  migration7,
  migration8,
  migration9,
];

export const latestMigration = eventStoreMigrations[eventStoreMigrations.length - 1]?.version ?? 0;

/**
 * Bring `schema` up to the latest version. Safe to call from many processes at once: a
 * session advisory lock keyed by the schema lets one run the steps while the others wait,
 * then find nothing left to do.
 */
export async function migrateEventStore(client: SqlClient, schema: string): Promise<number[]> {
  const s = checkSchemaName(schema);
  return runMigrations(client, {
    schema: s,
    table: 'lucent_event_store_migrations',
    lockKey: `lucent.event_store.${s}`,
    migrations: eventStoreMigrations,
  });
}
