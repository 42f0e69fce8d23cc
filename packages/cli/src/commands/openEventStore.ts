// Opens the event store a CLI command reads: `--pg URL [--schema S]` or `--data-dir DIR` (a service's embedded database, under its lock).
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { EventStore } from '@lucent/runtime';

/** A bad flag or a missing database: the command prints the message and exits with 2. */
export class UsageError extends Error {}

export interface OpenedStore {
  readonly store: EventStore;
  readonly where: string;
  /** Close the store (and the PGlite directory under its lock). */
  close(): Promise<void>;
}

export async function openEventStore(values: { pg?: string; 'data-dir'?: string; schema?: string }): Promise<OpenedStore> {
  if (values.pg !== undefined && values['data-dir'] !== undefined) throw new UsageError('give either --pg or --data-dir, not both');
  const schema = values.schema === undefined ? {} : { schema: values.schema };
  // Loaded on demand: the database clients are not worth loading for every `lucent` command.
  const { createPgliteEventStore, createPostgresEventStore, openPgliteDirectory } = await import('@lucent/postgres');
  if (values.pg !== undefined) {
    const store = await createPostgresEventStore({ connectionString: values.pg, ...schema });
    return { store, where: 'PostgreSQL', close: () => store.close() };
  }
  if (values['data-dir'] !== undefined) {
    const dir = path.resolve(values['data-dir']);
    // A service's data directory keeps PGlite in db/; a bare PGlite directory holds PG_VERSION itself.
    const dataDir = existsSync(path.join(dir, 'db', 'PG_VERSION')) ? path.join(dir, 'db') : dir;
    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) throw new UsageError(`no PGlite database in ${dir} or ${path.join(dir, 'db')}`);
    // Under the directory's lock, as the service opens it: refused while the service (or another replay) has it.
    const pglite = await openPgliteDirectory(dataDir);
    try {
      const store = await createPgliteEventStore({ db: pglite.db, ...schema });
      return { store, where: dataDir, close: () => store.close().finally(() => pglite.close()) };
    } catch (error) {
      await pglite.close();
      throw error;
    }
  }
  throw new UsageError('say where the events are: --pg URL or --data-dir DIR');
}
