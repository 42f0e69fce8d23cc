// Must show on PostgreSQL: confirmations before, during and after a wait; bad inputs refused with nothing stored.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Scheduler } from '@lucent/runtime';
import { codeOf } from '../../../../test/support/lucentErrorCode.js';
import { pgUrl as url, sleep, uniqueSchema, until as untilWithin } from './fixtures/timerSpecSupport.js';
import { createPostgresTimerStore, type SqlTimerStore } from './sqlTimerStore.js';

const schema = uniqueSchema('waits');
const until = (check: () => boolean | Promise<boolean>): Promise<void> => untilWithin(check, 15_000, 20);

describe('external waits and bad input on PostgreSQL', () => {
  let store: SqlTimerStore;
  let db: pg.Client;
  let scheduler: Scheduler;
  const applied: string[] = [];

  beforeAll(async () => {
    store = await createPostgresTimerStore({ connectionString: url, schema });
    db = new pg.Client({ connectionString: url });
    await db.connect();
    scheduler = new Scheduler({ store, nodeId: 'only', pollIntervalMs: 50 });
    scheduler.handle('confirmed', (f) => void applied.push(`${f.timer.waitKey} matched ${JSON.stringify(f.match?.payload)}`));
    scheduler.handle('fallback', (f) => void applied.push(`${f.timer.waitKey} fallback`));
    scheduler.defineExternal('tx:', z.object({ confirmations: z.number().int().min(0) }));
    scheduler.start();
  });

  afterAll(async () => {
    await scheduler.stop();
    await store.close();
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.end();
  });

  it('matches a confirmation that arrived before the wait and one during it; after the timeout the fallback runs and a late one is recorded, not applied', async () => {
    const run = randomUUID().slice(0, 8);
    const [early, during, late] = ['early', 'during', 'late'].map((k) => `tx:${run}:${k}`) as [string, string, string];
    const wait = (key: string, timeoutMs: number) => scheduler.waitFor({ key, timeoutMs, onMatch: 'confirmed', onTimeout: 'fallback' });

    await scheduler.deliverExternal(early, { confirmations: 12 });
    expect((await wait(early, 60_000)).matchedOnArrival).toBe(true);
    await wait(during, 60_000);
    await wait(late, 1_500);
    await sleep(200);
    await scheduler.deliverExternal(during, { confirmations: 12 });
    await until(() => applied.some((a) => a.startsWith(late)));
    const lateDelivery = await scheduler.deliverExternal(late, { confirmations: 12 });
    await sleep(300);

    expect([...applied].sort()).toEqual([`${during} matched {"confirmations":12}`, `${early} matched {"confirmations":12}`, `${late} fallback`]);
    expect(lateDelivery.arrival).toMatchObject({ status: 'late', timerId: `wait:${late}` });
    const rows = (
      await db.query<{ key: string; status: string; timer_id: string }>(`SELECT key, status, timer_id FROM ${schema}.lucent_external_arrivals ORDER BY arrived_at`)
    ).rows;
    expect(rows).toEqual([
      { key: early, status: 'matched', timer_id: `wait:${early}` },
      { key: during, status: 'matched', timer_id: `wait:${during}` },
      { key: late, status: 'late', timer_id: `wait:${late}` },
    ]);
    const outcomes = (await db.query<{ timer_id: string; outcome: string }>(`SELECT timer_id, outcome FROM ${schema}.lucent_timer_outcomes ORDER BY timer_id`)).rows;
    expect(outcomes).toEqual([
      { timer_id: `wait:${during}`, outcome: 'matched' },
      { timer_id: `wait:${early}`, outcome: 'matched' },
      { timer_id: `wait:${late}`, outcome: 'timeout' },
    ]);
    // A redelivery of the late confirmation changes nothing either.
    expect((await scheduler.deliverExternal(late, { confirmations: 12 })).duplicate).toBe(true);
  });

  it('refuses an invalid cron, an unknown trigger kind and a malformed callback payload with a typed error, storing nothing', async () => {
    const count = async (table: string): Promise<number> => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.${table}`)).rows[0]?.n);
    const before = { timers: await count('lucent_timers'), arrivals: await count('lucent_external_arrivals') };
    expect(await codeOf(scheduler.cron({ id: 'bad-cron', expression: '*/0 * * * *', handler: 'confirmed', misfire: 'skip' }))).toBe('SCHEDULE_INVALID');
    expect(await codeOf(scheduler.cron({ id: 'bad-tz', expression: '* * * * *', timezone: 'Mars/Olympus', handler: 'confirmed', misfire: 'skip' }))).toBe('SCHEDULE_INVALID');
    expect(await codeOf(scheduler.arm({ trigger: 'whenever', id: 'bad-kind' } as never))).toBe('SCHEDULE_INVALID');
    expect(await codeOf(scheduler.deliverExternal('tx:bad', { confirmations: -3 }))).toBe('VALIDATION_FAILED');
    expect(await codeOf(scheduler.deliverExternal('tx:bad', 'not an object'))).toBe('VALIDATION_FAILED');
    expect(await count('lucent_timers')).toBe(before.timers);
    expect(await count('lucent_external_arrivals')).toBe(before.arrivals);
    expect(await store.get('bad-cron')).toBeUndefined();
  });
});
