// A projector over a store that fails over to a replica which missed the last commits, or is away for a while: views stay a fresh fold.
import { describe, expect, it } from 'vitest';
import { LucentError, projectBatch, type DomainEvent, type ProjectedEvent, type Projection, type ViewRecord } from '@lucent/core';
import { MemoryEventStore } from '../eventStore/memoryEventStore.js';
import { MemoryProjectionStore } from './memoryProjectionStore.js';
import type { ProjectionStore } from './projectionStore.js';
import { Projector } from './projector.js';

type Added = DomainEvent<'Added', { account: string; n: number }>;
interface Totals {
  sum: number;
  count: number;
  positions: number[];
}

/** Keeps every applied position, so an event applied twice shows. */
const totals: Projection<Totals, Added> = {
  name: 'totals',
  keyOf: (e) => e.data.account,
  initialView: () => ({ sum: 0, count: 0, positions: [] }),
  apply: (v, e) => ({ sum: v.sum + e.data.n, count: v.count + 1, positions: [...v.positions, e.globalPosition] }),
};

type CommitArgs = Parameters<ProjectionStore['commit']>;

/**
 * A primary that replicates asynchronously: every accepted commit is logged, a replica holds a prefix
 * of the log. `failover(lag)` promotes a replica missing the last `lag` commits; `down` makes every call
 * fail UNAVAILABLE, as a Redis client does while no master serves the slot.
 */
class ReplicatedStore implements ProjectionStore {
  private primary = new MemoryProjectionStore();
  private readonly log: CommitArgs[] = [];
  down = false;

  private up(): void {
    if (this.down) throw new LucentError('UNAVAILABLE', 'no master for the slot');
  }

  async failover(lag: number): Promise<void> {
    const replica = new MemoryProjectionStore();
    this.log.splice(this.log.length - lag, lag);
    for (const args of this.log) await replica.commit(...args);
    this.primary = replica;
  }

  activeGeneration(projection: string): Promise<number> {
    this.up();
    return this.primary.activeGeneration(projection);
  }
  activate(projection: string, generation: number): Promise<void> {
    this.up();
    return this.primary.activate(projection, generation);
  }
  checkpoint(projection: string, generation: number): Promise<number> {
    this.up();
    return this.primary.checkpoint(projection, generation);
  }
  load<V>(projection: string, generation: number, keys: readonly string[]): Promise<Map<string, ViewRecord<V>>> {
    this.up();
    return this.primary.load<V>(projection, generation, keys);
  }
  async commit<V>(projection: string, generation: number, expected: number, next: number, views: ReadonlyMap<string, ViewRecord<V>>): Promise<boolean> {
    this.up();
    const ok = await this.primary.commit(projection, generation, expected, next, views);
    if (ok) this.log.push([projection, generation, expected, next, new Map(views)]);
    return ok;
  }
  dropGeneration(projection: string, generation: number): Promise<void> {
    return this.primary.dropGeneration(projection, generation);
  }
  get<V>(projection: string, key: string): Promise<V | undefined> {
    return this.primary.get<V>(projection, key);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

async function appendSome(events: MemoryEventStore, from: number, count: number): Promise<number> {
  let last = 0;
  for (let i = from; i < from + count; i++) {
    last = (await events.append(`acct-${i % 3}`, [{ type: 'Added', data: { account: `a${i % 3}`, n: i } }])).lastGlobalPosition;
  }
  return last;
}

async function expectFreshFold(events: MemoryEventStore, views: ProjectionStore): Promise<void> {
  const all = (await events.readAll({ maxCount: 10_000 })) as unknown as ProjectedEvent<Added>[];
  const fresh = projectBatch(totals, new Map(), all);
  for (const [key, record] of fresh) {
    const stored = await views.get<Totals>('totals', key);
    expect(stored).toEqual(record.view);
    expect(new Set(stored?.positions).size).toBe(stored?.count);
  }
}

describe('Projector across a store failover', () => {
  it('a replica promoted without the last two acknowledged commits: the events they held are folded again, once', async () => {
    const events = new MemoryEventStore();
    const views = new ReplicatedStore();
    const projector = new Projector({ events, views, projection: totals, batchSize: 5, pollIntervalMs: 10 });
    await projector.start();
    await projector.waitFor(await appendSome(events, 1, 20), 5_000);
    const before = await views.checkpoint('totals', 1);
    await views.failover(2);
    expect(await views.checkpoint('totals', 1)).toBeLessThan(before);
    const head = await appendSome(events, 21, 7);
    await projector.waitFor(head, 5_000);
    await projector.stop();
    expect(await views.checkpoint('totals', 1)).toBe(head);
    await expectFreshFold(events, views);
  });

  it('a store away for 300 ms: the batch is retried with backoff and committed once it is back, with no error reported', async () => {
    const events = new MemoryEventStore();
    const views = new ReplicatedStore();
    const errors: unknown[] = [];
    const projector = new Projector({ events, views, projection: totals, batchSize: 5, pollIntervalMs: 10, onError: (e) => errors.push(e) });
    await projector.start();
    await projector.waitFor(await appendSome(events, 1, 10), 5_000);
    views.down = true;
    const head = await appendSome(events, 11, 10);
    setTimeout(() => void views.failover(1).then(() => (views.down = false)), 300);
    await projector.waitFor(head, 5_000);
    await projector.stop();
    expect(errors).toEqual([]);
    expect(await views.checkpoint('totals', 1)).toBe(head);
    await expectFreshFold(events, views);
  });

  it('a store away longer than storeRetryMs: onError gets one typed UNAVAILABLE naming the projection, and the projector carries on when it is back', async () => {
    const events = new MemoryEventStore();
    const views = new ReplicatedStore();
    const errors: unknown[] = [];
    const projector = new Projector({ events, views, projection: totals, batchSize: 5, pollIntervalMs: 10, storeRetryMs: 100, onError: (e) => errors.push(e) });
    await projector.start();
    views.down = true;
    const head = await appendSome(events, 1, 3);
    await new Promise((r) => setTimeout(r, 150));
    views.down = false;
    await projector.waitFor(head, 5_000);
    await projector.stop();
    expect(errors.length).toBeGreaterThanOrEqual(1);
    const error = errors[0] as LucentError;
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toMatch(/^Projection totals: the projection store stayed unavailable for \d+ ms/);
    await expectFreshFold(events, views);
  });

  it('stop() ends a backoff at once instead of waiting out storeRetryMs', async () => {
    const events = new MemoryEventStore();
    const views = new ReplicatedStore();
    const projector = new Projector({ events, views, projection: totals, pollIntervalMs: 10, storeRetryMs: 60_000 });
    await projector.start();
    views.down = true;
    await appendSome(events, 1, 1);
    await new Promise((r) => setTimeout(r, 100));
    const started = performance.now();
    await projector.stop();
    expect(performance.now() - started).toBeLessThan(500);
  });
});
