// On PostgreSQL, a timer one node claimed ahead of its due time and another node cancels is not fired (NOTIFY tells the holder).
import { afterAll, describe, expect, it } from 'vitest';
import { Scheduler } from '@lucent/runtime';
import { dropSchema, pgUrl as url, sleep, uniqueSchema } from './fixtures/timerSpecSupport.js';
import { createPostgresTimerStore } from './sqlTimerStore.js';

const schema = uniqueSchema('prefetch');

afterAll(() => dropSchema(schema));

describe('timers claimed ahead of time on PostgreSQL', () => {
  it('are dropped by their holder when another node cancels them, and the rest fire at their time', async () => {
    const storeA = await createPostgresTimerStore({ connectionString: url, schema });
    const storeB = await createPostgresTimerStore({ connectionString: url, schema });
    const fired: string[] = [];
    const a = new Scheduler({ store: storeA, nodeId: 'a', prefetchMs: 10_000, pollIntervalMs: 100 }).handle('record', (f) => void fired.push(f.timer.id));
    const b = new Scheduler({ store: storeB, nodeId: 'b' }).handle('record', (f) => void fired.push(f.timer.id));
    try {
      await b.schedule({ id: 'cancelled', delayMs: 2_000, handler: 'record' });
      await b.schedule({ id: 'kept', delayMs: 2_000, handler: 'record' });
      a.start();
      const deadline = Date.now() + 10_000;
      while ((await storeB.list({ state: 'pending' })).some((t) => t.claimedBy !== 'a') && Date.now() < deadline) await sleep(20);
      expect((await storeB.list({ state: 'pending' })).map((t) => t.claimedBy)).toEqual(['a', 'a']);
      expect(await b.cancel('cancelled')).toBe(true);
      while (!fired.includes('kept') && Date.now() < deadline) await sleep(20);
      await sleep(200);
      expect(fired).toEqual(['kept']);
      expect(await storeB.get('cancelled')).toMatchObject({ state: 'cancelled', outcome: 'cancelled' });
      expect((await storeB.outcomes('kept')).map((o) => [o.outcome, o.node])).toEqual([['fired', 'a']]);
    } finally {
      await a.stop();
      await storeA.close();
      await storeB.close();
    }
  }, 30_000);
});
