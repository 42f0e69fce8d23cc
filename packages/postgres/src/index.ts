// @lucent/postgres: the event store on PostgreSQL (pg) and PGlite, checkpoints, durable timers, saga state; the embedded data directory's lock.
// The package's whole public API, by area.

// The event store on PostgreSQL (pg) or PGlite: clients, migrations, the store.
export { asUnavailable, openPgliteClient, PgSqlClient, PgliteSqlClient } from './eventStore/sqlClient.js';
export type { SqlRows, SqlClient, PgClientOptions } from './eventStore/sqlClient.js';
export {
  migrateEventStore, checkSchemaName, eventIdIndex, generatedIdRange, notifyChannel, eventStoreMigrations, latestMigration
} from './eventStore/migrations.js';
export { createPostgresEventStore, createPgliteEventStore, SqlEventStore } from './eventStore/sqlEventStore.js';
export type { SqlEventStoreOptions, PostgresEventStoreOptions, PgliteEventStoreOptions } from './eventStore/sqlEventStore.js';

// Durable timers on PostgreSQL or PGlite: migrations and the timer store.
export { timerChannel, migrateTimerStore, defaultLookbackMs, latestTimerMigration } from './timers/timerMigrations.js';
export { createPostgresTimerStore, createPgliteTimerStore, SqlTimerStore } from './timers/sqlTimerStore.js';
export type { SqlTimerStoreOptions, PostgresTimerStoreOptions, PgliteTimerStoreOptions } from './timers/sqlTimerStore.js';

// The embedded (PGlite) data directory and its lock.
export { lockDataDirectory, openPgliteDirectory, DataDirectoryLockedError } from './embedded/dataDirectoryLock.js';
export type { LockHolder, DataDirectoryLock, PgliteDirectory } from './embedded/dataDirectoryLock.js';
