// A handler running past its lease keeps its timer while its process lives; once the process is SIGKILLed, another node fires it again after the lease, with the same firingKey.
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { Scheduler } from '@lucent/runtime';
import { bundleChildProcess } from '../../../../test/support/bundleForNode.js';
import { dropSchema, exited, killAll, pgUrl as url, sleep, startNode, uniqueSchema, until as untilWithin } from './fixtures/timerSpecSupport.js';
import { createPostgresTimerStore } from './sqlTimerStore.js';

const schema = uniqueSchema('lease');
const fixture = fileURLToPath(new URL('./fixtures/hangingNode.ts', import.meta.url));
const leaseMs = 1_500;
const children: ChildProcess[] = [];
let entry: Awaited<ReturnType<typeof bundleChildProcess>> | undefined;
const until = (check: () => Promise<boolean>): Promise<void> => untilWithin(check, 20_000, 50);

afterAll(async () => {
  entry?.remove();
  killAll(children);
  await dropSchema(schema);
});

describe('leases of long handlers and crashed nodes', () => {
  it('renews the lease while the node lives; after a SIGKILL mid-handler another node re-fires after the lease with the same firingKey', async () => {
    const store = await createPostgresTimerStore({ connectionString: url, schema });
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    const attempts = async () =>
      (await db.query<{ firing_key: string; node: string; at: string }>(`SELECT firing_key, node, at FROM ${schema}.work_attempts ORDER BY id`)).rows;
    const other = new Scheduler({ store, nodeId: 'node-b', pollIntervalMs: 100, leaseMs });
    try {
      await db.query(`CREATE TABLE ${schema}.work_attempts (id bigserial PRIMARY KEY, firing_key text NOT NULL, node text NOT NULL, at bigint NOT NULL)`);
      entry = await bundleChildProcess(fixture);
      const child = await startNode({
        file: entry.file,
        nodeId: 'node-a',
        schema,
        env: { LEASE_MS: String(leaseMs), MAX_RUN_MS: '60000' },
        startTimeoutMs: 30_000,
        children,
      });
      const armer = new Scheduler({ store, nodeId: 'armer' }).handle('work', () => undefined);
      await armer.schedule({ id: 'long-job', delayMs: 0, handler: 'work' });
      await until(async () => (await attempts()).length === 1);

      // A second node runs beside it for more than two leases while node-a's handler is still busy.
      other.handle('work', async (f) => {
        await db.query(`INSERT INTO ${schema}.work_attempts (firing_key, node, at) VALUES ($1, $2, $3)`, [f.firingKey, 'node-b', Date.now()]);
      });
      other.start();
      await sleep(2.5 * leaseMs);
      expect((await attempts()).map((a) => a.node)).toEqual(['node-a']);
      expect(await store.get('long-job')).toMatchObject({ state: 'pending', claimedBy: 'node-a' });

      child.kill('SIGKILL');
      await exited(child);
      const leaseEnd = (await store.get('long-job'))?.claimedUntil as number;
      await until(async () => (await store.get('long-job'))?.state === 'done');

      const runs = await attempts();
      expect(runs.map((a) => a.node)).toEqual(['node-a', 'node-b']);
      // The same run, so effects keyed by firingKey are applied once.
      expect(runs[1]?.firing_key).toBe(runs[0]?.firing_key);
      // Not before the dead node's last lease ran out.
      expect(Number(runs[1]?.at)).toBeGreaterThanOrEqual(leaseEnd);
      const log = await store.outcomes('long-job');
      expect(log.map((o) => [o.outcome, o.node])).toEqual([['fired', 'node-b']]);
    } finally {
      await other.stop();
      await db.end();
      await store.close();
    }
  }, 60_000);
});
