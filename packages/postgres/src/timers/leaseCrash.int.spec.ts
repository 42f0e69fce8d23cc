// A handler running past its lease keeps its timer while its process lives; once the process is SIGKILLed, another node fires it again after the lease, with the same firingKey.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { Scheduler } from '@lucent/runtime';
import { bundleChildProcess } from '../../../../test/support/bundleForNode.js';
import { createPostgresTimerStore } from './sqlTimerStore.js';

const url = process.env['LUCENT_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `lease_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const fixture = fileURLToPath(new URL('./fixtures/hangingNode.ts', import.meta.url));
const leaseMs = 1_500;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
let child: ChildProcess | undefined;
let entry: Awaited<ReturnType<typeof bundleChildProcess>> | undefined;

async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(50);
  }
}

function startNode(file: string, nodeId: string): Promise<ChildProcess> {
  const c = spawn(process.execPath, [file], {
    env: { ...process.env, PG_URL: url, PG_SCHEMA: schema, NODE_ID: nodeId, LEASE_MS: String(leaseMs), MAX_RUN_MS: '60000' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  c.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${nodeId} did not start in 30 s: ${err}`)), 30_000);
    c.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes(`ready ${nodeId}`)) {
        clearTimeout(timer);
        resolve(c);
      }
    });
    c.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${nodeId} exited early (${code}): ${err}`));
    });
  });
}

afterAll(async () => {
  entry?.remove();
  if (child && child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await db.end();
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
      child = await startNode(entry.file, 'node-a');
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
      await new Promise((r) => child?.once('exit', r));
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
