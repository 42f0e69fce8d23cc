// The system's event store as the CLI's commands take it: `--database URL [--schema S]`.
import { createPostgresEventStore, type SqlEventStore } from '@lucent/postgres';

/** Open (and migrate) the PostgreSQL event store at `database`, or nothing when no URL was given. */
export function openSystemEventStore(database: string | undefined, schema: string | undefined): Promise<SqlEventStore | undefined> {
  if (database === undefined) return Promise.resolve(undefined);
  return createPostgresEventStore({ connectionString: database, ...(schema === undefined ? {} : { schema }) });
}
