// The PostgreSQL timer store passes the shared TimerStore contract against the machine's server.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll } from 'vitest';
import { timerStoreContract } from '../../../runtime/src/scheduler/timerStoreContract.js';
import { createPostgresTimerStore } from './sqlTimerStore.js';

const url = process.env['LUCENT_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const schemas: string[] = [];

afterAll(async () => {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await c.end();
});

timerStoreContract('postgres', () => {
  const schema = `timers_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  schemas.push(schema);
  return createPostgresTimerStore({ connectionString: url, schema });
});
