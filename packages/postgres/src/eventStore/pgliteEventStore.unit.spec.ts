// The embedded PGlite event store passes the shared contract and keeps its data on disk across restarts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generatedIdPrefix } from '@lucent/runtime';
import { eventStoreContract } from '../../../runtime/src/eventStore/eventStoreContract.js';
import { generatedIdRange } from './migrations.js';
import { createPgliteEventStore } from './sqlEventStore.js';
import { createPgliteTimerStore } from '../timers/sqlTimerStore.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

eventStoreContract('pglite', () => createPgliteEventStore());

describe('PGlite event store', () => {
  it('leaves out of the event-id index exactly the range of ids the store generates', () => {
    expect(generatedIdRange[0].slice(0, 15)).toBe(generatedIdPrefix);
    expect(generatedIdRange[1].slice(0, 15)).toBe(generatedIdPrefix);
    expect(generatedIdRange).toEqual([`${generatedIdPrefix}000-0000-000000000000`, `${generatedIdPrefix}fff-ffff-ffffffffffff`]);
  });

  it('keeps events in its data directory across a restart and migrates only once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lucent-pglite-'));
    dirs.push(dir);
    const first = await createPgliteEventStore({ dataDir: dir, schema: 'app' });
    await first.append('s', [{ type: 'A', data: { n: 1 } }], { expectedVersion: 'noStream' });
    await first.close();
    const second = await createPgliteEventStore({ dataDir: dir, schema: 'app' });
    try {
      expect((await second.readStream('s')).map((e) => e.data)).toEqual([{ n: 1 }]);
      await second.append('s', [{ type: 'B', data: { n: 2 } }], { expectedVersion: 1 });
      expect(await second.streamVersion('s')).toBe(2);
    } finally {
      await second.close();
    }
  }, 60_000);

  it('opens a data directory under its single-writer lock: a second store on it is refused until the first closes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lucent-pglite-'));
    dirs.push(dir);
    const first = await createPgliteEventStore({ dataDir: dir });
    try {
      await expect(createPgliteEventStore({ dataDir: dir })).rejects.toMatchObject({ code: 'DATA_DIRECTORY_LOCKED' });
      await expect(createPgliteTimerStore({ dataDir: dir })).rejects.toMatchObject({ code: 'DATA_DIRECTORY_LOCKED' });
    } finally {
      await first.close();
    }
    const timers = await createPgliteTimerStore({ dataDir: dir });
    await timers.close();
  }, 120_000);
});
