// PostgreSQL goes away: calls fail fast with UNAVAILABLE; when it returns, the same store works again without a restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '@lucent/runtime';
import { PrivatePostgres } from '../testing/privatePostgres.js';
import { PgSqlClient } from './sqlClient.js';
import { createPostgresEventStore, type SqlEventStore } from './sqlEventStore.js';

describe('PostgreSQL unreachable', () => {
  let server: PrivatePostgres;
  let store: SqlEventStore;

  beforeAll(async () => {
    server = await PrivatePostgres.create();
    store = await createPostgresEventStore({ connectionString: server.url, schema: 'outage', connectTimeoutMs: 1_000 });
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await server?.destroy();
  });

  it('fails fast with a clear error, then recovers on the same store', async () => {
    const seen: StoredEvent[] = [];
    const sub = store.subscribe({ pollIntervalMs: 100, handler: (events) => void seen.push(...events), onError: () => undefined });
    const before = await store.append('acct', [{ type: 'Before', data: {} }]);
    await sub.waitFor(before.lastGlobalPosition);
    await server.stop();

    const started = Date.now();
    const failed = store.append('acct', [{ type: 'During', data: {} }], { idempotencyKey: 'during-1' });
    await expect(failed).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(failed).rejects.toThrow(/PostgreSQL at 127\.0\.0\.1:\d+.* is unreachable/);
    await expect(store.readStream('acct')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(5_000);

    await server.start();
    // The pool replaces dead connections on demand; allow the first call to meet one that died.
    let recovered = false;
    let last = before.lastGlobalPosition;
    for (let i = 0; i < 50 && !recovered; i++) {
      try {
        last = (await store.append('acct', [{ type: 'After', data: {} }], { idempotencyKey: 'after-1' })).lastGlobalPosition;
        recovered = true;
      } catch (error) {
        expect(error).toMatchObject({ code: 'UNAVAILABLE' });
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    expect(recovered).toBe(true);
    expect((await store.readStream('acct')).map((e) => e.type)).toEqual(['Before', 'After']);
    await sub.waitFor(last, 15_000);
    await sub.stop();
    expect(seen.map((e) => e.type)).toEqual(['Before', 'After']);
  }, 90_000);

  it('refuses to open a store on a server that is down, naming the server', async () => {
    await expect(
      createPostgresEventStore({ connectionString: 'postgres://postgres@127.0.0.1:1/nowhere', schema: 'x', connectTimeoutMs: 500 }),
    ).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('127.0.0.1:1/nowhere') });
  });

  it('names the server of a pool it shares (as the example shares one pool between events and timers), not localhost', async () => {
    const shared = new PgSqlClient({ connectionString: 'postgres://postgres:secret@127.0.0.1:1/shared', connectTimeoutMs: 500 });
    try {
      const failed = new PgSqlClient({ pool: shared.pool }).query('SELECT 1');
      await expect(failed).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('PostgreSQL at 127.0.0.1:1/shared is unreachable') });
      await expect(failed).rejects.not.toThrow(/secret/);
    } finally {
      await shared.close();
    }
  });
});
