// Must show: three scheduler processes on one PostgreSQL database, a cron every second for 20 s, each tick fires exactly once.
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { Scheduler } from '@lucent/runtime';
import { bundleChildProcess } from '../../../../test/support/bundleForNode.js';
import { dropSchema, exited, killAll, pgUrl as url, sleep, startNode, uniqueSchema } from './fixtures/timerSpecSupport.js';
import { createPostgresTimerStore } from './sqlTimerStore.js';

const schema = uniqueSchema('cron3');
const fixture = fileURLToPath(new URL('./fixtures/cronNode.ts', import.meta.url));
const children: ChildProcess[] = [];
let entry: Awaited<ReturnType<typeof bundleChildProcess>> | undefined;

afterAll(async () => {
  entry?.remove();
  killAll(children);
  await dropSchema(schema);
});

describe('three scheduler processes on one database', () => {
  it('fire a per-second cron exactly once per tick over 20 s', async () => {
    const store = await createPostgresTimerStore({ connectionString: url, schema });
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      await db.query(`CREATE TABLE ${schema}.tick_attempts (id bigserial PRIMARY KEY, firing_key text NOT NULL, node text NOT NULL)`);
      await db.query(`CREATE TABLE ${schema}.tick_firings (firing_key text PRIMARY KEY, scheduled_for bigint NOT NULL, node text NOT NULL)`);
      entry = await bundleChildProcess(fixture);
      const file = entry.file;
      await Promise.all(
        ['node-a', 'node-b', 'node-c'].map((nodeId) => startNode({ file, nodeId, schema, env: { MAX_RUN_MS: '80000' }, startTimeoutMs: 60_000, children })),
      );

      // Arm the job only once all three run, so every tick of the window is contested by all of them.
      const armer = new Scheduler({ store, nodeId: 'armer' }).handle('tick', () => undefined);
      const armed = await armer.cron({ id: 'every-second', expression: '* * * * * *', handler: 'tick', misfire: 'catchUp' });
      const firstDue = armed.timer.dueAt;
      await sleep(20_000);
      await armer.cancel('every-second');
      const lastDue = (await store.get('every-second'))!.dueAt;
      await sleep(1_500);
      for (const c of children) c.kill('SIGTERM');
      await Promise.all(children.map(exited));

      const firings = (await db.query<{ scheduled_for: string; node: string }>(`SELECT scheduled_for, node FROM ${schema}.tick_firings ORDER BY scheduled_for`)).rows;
      const attempts = Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.tick_attempts`)).rows[0]?.n);
      const ticks = firings.map((f) => Number(f.scheduled_for));
      const expected = Array.from({ length: (lastDue - firstDue) / 1_000 }, (_, i) => firstDue + i * 1_000);
      // Every second of the window fired, in order, once; no handler ran twice for one tick.
      // A run in flight when the job was cancelled may have fired the last due tick too.
      expect(ticks.length === expected.length ? ticks : ticks.slice(0, -1)).toEqual(expected);
      if (ticks.length > expected.length) expect(ticks).toEqual([...expected, lastDue]);
      expect(ticks.length).toBeGreaterThanOrEqual(19);
      expect(attempts).toBe(ticks.length);
      const outcomes = await store.outcomes('every-second');
      const firedFor = outcomes.filter((o) => o.outcome === 'fired').map((o) => o.scheduledFor);
      // Each run is logged fired, except a run of the last tick that the cancellation overtook: its
      // completion is refused (the claim was cancelled) and that occurrence is logged cancelled instead.
      const overtaken = ticks.length > expected.length && !firedFor.includes(lastDue);
      expect(firedFor).toEqual(overtaken ? expected : ticks);
      if (overtaken) expect(outcomes.filter((o) => o.outcome === 'cancelled').map((o) => o.scheduledFor)).toEqual([lastDue]);
      expect(outcomes.filter((o) => o.outcome === 'failed')).toEqual([]);
      // The nodes really competed: the ticks were spread over more than one process.
      expect(new Set(firings.map((f) => f.node)).size).toBeGreaterThanOrEqual(2);
    } finally {
      await db.end();
      await store.close();
    }
  }, 90_000);
});
