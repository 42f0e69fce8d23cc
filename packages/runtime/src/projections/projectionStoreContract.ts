// The one contract suite for ProjectionStore implementations, plus the projector running on top of each.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectBatch, type DomainEvent, type ProjectedEvent, type Projection, type ViewRecord } from '@lucent/core';
import { MemoryEventStore } from '../eventStore/memoryEventStore.js';
import type { ProjectionStore } from './projectionStore.js';
import { Projector } from './projector.js';

type Ev = DomainEvent<'Added', { account: string; n: number }>;
interface Totals {
  sum: number;
  count: number;
  positions: number[];
}

/** Counts applications, so an event applied twice shows up in the view. */
export const totalsProjection = (name: string): Projection<Totals, Ev> => ({
  name,
  keyOf: (e) => e.data.account,
  initialView: () => ({ sum: 0, count: 0, positions: [] }),
  apply: (v, e) => ({ sum: v.sum + e.data.n, count: v.count + 1, positions: [...v.positions, e.globalPosition] }),
});

export function projectionStoreContract(name: string, makeStore: () => Promise<ProjectionStore>): void {
  describe(`ProjectionStore contract: ${name}`, () => {
    let store: ProjectionStore;
    beforeAll(async () => {
      store = await makeStore();
    });
    afterAll(async () => {
      await store.close();
    });
    const proj = (): string => `p${randomUUID().slice(0, 8)}`;
    const rec = (sum: number, position: number): ViewRecord<{ sum: number }> => ({ view: { sum }, position });

    it('commits views and checkpoint together and serves views from the active generation', async () => {
      const p = proj();
      expect(await store.activeGeneration(p)).toBe(1);
      expect(await store.checkpoint(p, 1)).toBe(0);
      expect(await store.commit(p, 1, 0, 5, new Map([['a', rec(1, 5)], ['b', rec(2, 4)]]))).toBe(true);
      expect(await store.checkpoint(p, 1)).toBe(5);
      expect(await store.get(p, 'a')).toEqual({ sum: 1 });
      expect(await store.get(p, 'missing')).toBeUndefined();
      const loaded = await store.load<{ sum: number }>(p, 1, ['a', 'b', 'c']);
      expect([...loaded]).toEqual([
        ['a', rec(1, 5)],
        ['b', rec(2, 4)],
      ]);
    });

    it('answers many reads asked at once, each with its own view (a store may send them together)', async () => {
      const p = proj();
      await store.commit(p, 1, 0, 1, new Map(Array.from({ length: 40 }, (_, i) => [`k${i}`, rec(i, 1)] as const)));
      const keys = Array.from({ length: 100 }, (_, i) => `k${i % 50}`);
      const views = await Promise.all(keys.map((k) => store.get<{ sum: number }>(p, k)));
      expect(views).toEqual(keys.map((_, i) => (i % 50 < 40 ? { sum: i % 50 } : undefined)));
    });

    it('refuses a commit from a stale checkpoint and writes none of its views', async () => {
      const p = proj();
      await store.commit(p, 1, 0, 3, new Map([['a', rec(1, 3)]]));
      expect(await store.commit(p, 1, 0, 7, new Map([['a', rec(99, 7)], ['z', rec(9, 7)]]))).toBe(false);
      expect(await store.checkpoint(p, 1)).toBe(3);
      expect(await store.get(p, 'a')).toEqual({ sum: 1 });
      expect(await store.get(p, 'z')).toBeUndefined();
    });

    it('keeps generations apart, switches on activate and drops a generation', async () => {
      const p = proj();
      await store.commit(p, 1, 0, 1, new Map([['a', rec(1, 1)]]));
      await store.commit(p, 2, 0, 1, new Map([['a', rec(2, 1)]]));
      expect(await store.get(p, 'a')).toEqual({ sum: 1 });
      await store.activate(p, 2);
      expect(await store.activeGeneration(p)).toBe(2);
      expect(await store.get(p, 'a')).toEqual({ sum: 2 });
      await store.dropGeneration(p, 1);
      expect(await store.checkpoint(p, 1)).toBe(0);
      expect((await store.load(p, 1, ['a'])).size).toBe(0);
    });

    describe('with a projector', () => {
      const seed = async (events: MemoryEventStore, n: number): Promise<number> => {
        let last = 0;
        for (let i = 1; i <= n; i++) {
          last = (await events.append(`acct-${i % 3}`, [{ type: 'Added', data: { account: `a${i % 3}`, n: i } }]))
            .lastGlobalPosition;
        }
        return last;
      };
      const freshFold = async (events: MemoryEventStore, projection: Projection<Totals, Ev>) => {
        const all = (await events.readAll({ maxCount: 100_000 })) as unknown as ProjectedEvent<Ev>[];
        return projectBatch(projection, new Map(), all);
      };

      it('follows the log, and a restarted projector resumes without applying anything twice', async () => {
        const events = new MemoryEventStore();
        const projection = totalsProjection(proj());
        let last = await seed(events, 30);
        const one = new Projector({ events, views: store, projection, batchSize: 7, pollIntervalMs: 20 });
        await one.start();
        await one.waitFor(last);
        await one.stop();
        last = await seed(events, 12);
        const two = new Projector({ events, views: store, projection, batchSize: 7, pollIntervalMs: 20 });
        await two.start();
        await two.waitFor(last);
        await two.stop();
        for (const [key, record] of await freshFold(events, projection)) {
          expect(await store.get(projection.name, key)).toEqual(record.view);
        }
      });

      it('two projectors on one projection still apply each event once', async () => {
        const events = new MemoryEventStore();
        const projection = totalsProjection(proj());
        const last = await seed(events, 40);
        const a = new Projector({ events, views: store, projection, batchSize: 5, pollIntervalMs: 10 });
        const b = new Projector({ events, views: store, projection, batchSize: 3, pollIntervalMs: 10 });
        await Promise.all([a.start(), b.start()]);
        await Promise.all([a.waitFor(last), b.waitFor(last)]);
        await Promise.all([a.stop(), b.stop()]);
        for (const [key, record] of await freshFold(events, projection)) {
          expect(await store.get(projection.name, key)).toEqual(record.view);
        }
      });

      it('rebuilds into a new generation while serving the old one, then switches', async () => {
        const events = new MemoryEventStore();
        const projection = totalsProjection(proj());
        const last = await seed(events, 25);
        const projector = new Projector({ events, views: store, projection, pollIntervalMs: 20 });
        await projector.start();
        await projector.waitFor(last);
        const before = await store.get(projection.name, 'a1');
        const generation = await projector.rebuild();
        expect(generation).toBe(2);
        expect(await store.activeGeneration(projection.name)).toBe(2);
        expect(await store.get(projection.name, 'a1')).toEqual(before);
        const more = await seed(events, 3);
        await projector.waitFor(more);
        await projector.stop();
        for (const [key, record] of await freshFold(events, projection)) {
          expect(await store.get(projection.name, key)).toEqual(record.view);
        }
        expect(await store.checkpoint(projection.name, 1)).toBe(0);
      });
    });
  });
}
