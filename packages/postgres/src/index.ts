// @lucent/postgres: the event store on PostgreSQL (pg) and PGlite, checkpoints, durable timers, saga state; the embedded data directory's lock.
export * from './eventStore/sqlClient.js';
export * from './eventStore/migrations.js';
export * from './eventStore/sqlEventStore.js';
export * from './timers/timerMigrations.js';
export * from './timers/sqlTimerStore.js';
export * from './embedded/dataDirectoryLock.js';
