// Applies a store's numbered schema migrations once each, serialized across processes by a session advisory lock.
import type { SqlClient } from '../eventStore/sqlClient.js';

/** One numbered step; `sql` gets the (already checked) schema name to splice into its statements. */
export interface SchemaMigration {
  readonly version: number;
  readonly name: string;
  readonly sql: (schema: string) => string;
}

export interface MigrationPlan {
  /** The schema to migrate, already checked with checkSchemaName (identifiers cannot be bound parameters). */
  readonly schema: string;
  /** The table in `schema` that records applied versions; each store keeps its own, so their numbers never collide. */
  readonly table: string;
  /** Key of the session advisory lock (hashed with hashtext); one per store and schema. */
  readonly lockKey: string;
  /** The steps, in ascending version order. */
  readonly migrations: readonly SchemaMigration[];
}

/**
 * Run every step of `plan` that its table does not list yet and return the versions applied.
 * Safe from many processes at once: the advisory lock lets one run the steps while the others
 * wait, then find nothing left to do. Each step and its row commit together, so a failed step
 * leaves no trace and is tried again on the next open.
 */
export async function runMigrations(client: SqlClient, plan: MigrationPlan): Promise<number[]> {
  const { schema: s, table, lockKey } = plan;
  return client.session(async (run) => {
    await run(`SELECT pg_advisory_lock(hashtext($1))`, [lockKey]);
    try {
      await run(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await run(`CREATE TABLE IF NOT EXISTS ${s}.${table} (
        version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      const done = await run(`SELECT version FROM ${s}.${table}`);
      const have = new Set(done.rows.map((r) => Number((r as { version: number }).version)));
      const applied: number[] = [];
      for (const m of plan.migrations) {
        if (have.has(m.version)) continue;
        await run('BEGIN');
        try {
          await run(m.sql(s));
          await run(`INSERT INTO ${s}.${table} (version, name) VALUES ($1, $2)`, [m.version, m.name]);
          await run('COMMIT');
        } catch (error) {
          await run('ROLLBACK').catch(() => undefined);
          throw error;
        }
        applied.push(m.version);
      }
      return applied;
    } finally {
      // Ending the session would release it too, but a pooled session lives on, so let go explicitly.
      await run(`SELECT pg_advisory_unlock(hashtext($1))`, [lockKey]).catch(() => undefined);
    }
  });
}
