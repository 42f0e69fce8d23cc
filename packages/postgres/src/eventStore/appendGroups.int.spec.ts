// Group commit on real PostgreSQL: concurrent single-event appends leave in groups, each member keeps its own version check and errors.
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ConcurrencyError, DuplicateEventIdError } from '@lucent/core';
import { createPostgresEventStore, type SqlEventStore } from './sqlEventStore.js';

const url = process.env['LUCENT_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const schemas: string[] = [];
const stores: SqlEventStore[] = [];

async function open(maxAppendsInFlight: number): Promise<SqlEventStore> {
  const schema = `lucent_eg_${randomBytes(5).toString('hex')}`;
  schemas.push(schema);
  const store = await createPostgresEventStore({ connectionString: url, schema, maxConnections: 8, maxAppendsInFlight });
  stores.push(store);
  return store;
}

afterAll(async () => {
  for (const s of stores) await s.close();
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await c.end();
});

describe('append groups (PostgreSQL)', () => {
  it('sends the appends that arrive while one is in flight as one group, each acknowledged with its own version and position', async () => {
    const store = await open(1);
    await store.append('acct-0', [{ type: 'Opened', data: { n: 0 } }]);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.append(`acct-${i}`, [{ type: 'Opened', data: { n: i } }])),
    );
    expect(store.groups.groups).toBeGreaterThanOrEqual(1);
    expect(store.groups.grouped).toBeGreaterThanOrEqual(2);
    expect(results.map((r) => r.nextVersion)).toEqual([2, ...Array.from({ length: 19 }, () => 1)]);
    const all = await store.readAll({ maxCount: 100 });
    expect(all).toHaveLength(21);
    // Every acknowledgement names the stored event's position, and positions strictly increase in the log.
    for (let i = 0; i < 20; i++) {
      const stored = all.find((e) => e.stream === `acct-${i}` && e.streamVersion === results[i]!.nextVersion);
      expect(stored?.globalPosition).toBe(results[i]!.lastGlobalPosition);
      expect(stored?.data).toEqual({ n: i });
    }
    for (let i = 1; i < all.length; i++) expect(all[i]!.globalPosition).toBeGreaterThan(all[i - 1]!.globalPosition);
  });

  it('refuses only the member whose expected version does not hold; the rest of its group commits', async () => {
    const store = await open(1);
    await Promise.all(['a', 'b', 'c'].map((s) => store.append(s, [{ type: 'Opened', data: {} }])));
    const blocker = store.append('z', [{ type: 'Opened', data: {} }]);
    const outcomes = await Promise.allSettled([
      store.append('a', [{ type: 'Moved', data: {} }], { expectedVersion: 1 }),
      store.append('b', [{ type: 'Moved', data: {} }], { expectedVersion: 7 }),
      store.append('c', [{ type: 'Moved', data: {} }], { expectedVersion: 'noStream' }),
      store.append('d', [{ type: 'Opened', data: {} }], { expectedVersion: 'noStream' }),
      store.append('e', [{ type: 'Opened', data: {} }], { expectedVersion: 'streamExists' }),
    ]);
    await blocker;
    expect(store.groups.groups).toBeGreaterThanOrEqual(1);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled', 'rejected']);
    const b = (outcomes[1] as PromiseRejectedResult).reason as ConcurrencyError;
    expect(b).toBeInstanceOf(ConcurrencyError);
    expect(b.details).toMatchObject({ stream: 'b', expected: 7, actual: 1 });
    expect(((outcomes[2] as PromiseRejectedResult).reason as ConcurrencyError).details).toMatchObject({ stream: 'c', actual: 1 });
    expect(((outcomes[4] as PromiseRejectedResult).reason as ConcurrencyError).details).toMatchObject({ stream: 'e', actual: 0 });
    expect(await store.streamVersion('a')).toBe(2);
    expect(await store.streamVersion('b')).toBe(1);
    expect(await store.streamVersion('d')).toBe(1);
    expect(await store.streamVersion('e')).toBe(0);
  });

  it('runs a group with a repeated event id member by member: only that append fails, the others are stored once', async () => {
    const store = await open(1);
    const id = randomUUID();
    await store.append('dup', [{ id, type: 'Opened', data: {} }]);
    const blocker = store.append('z', [{ type: 'Opened', data: {} }]);
    const outcomes = await Promise.allSettled([
      store.append('x', [{ type: 'Opened', data: {} }]),
      store.append('dup', [{ id, type: 'Opened', data: {} }]),
      store.append('y', [{ type: 'Opened', data: {} }]),
    ]);
    await blocker;
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(DuplicateEventIdError);
    const all = await store.readAll();
    expect(all.map((e) => e.stream).sort()).toEqual(['dup', 'x', 'y', 'z']);
  });

  it('keeps appends to one stream in arrival order across groups: 8 writers × 100 events give versions 1..800 in increasing positions', async () => {
    const store = await open(2);
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; i < 100; i++) await store.append(i % 2 === 0 ? 'shared' : `own-${w}`, [{ type: 'Tick', data: { w, i } }]);
      }),
    );
    const shared = await store.readStream('shared');
    expect(shared.map((e) => e.streamVersion)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
    for (let i = 1; i < shared.length; i++) expect(shared[i]!.globalPosition).toBeGreaterThan(shared[i - 1]!.globalPosition);
    for (let w = 0; w < 8; w++) expect(await store.streamVersion(`own-${w}`)).toBe(50);
    expect(store.groups.groups).toBeGreaterThan(0);
  });
});
