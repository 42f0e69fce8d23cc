// The saga index: which sagas are still open, oldest first, and the snapshot that bounds how far a resume reads back.
import { describe, expect, it } from 'vitest';
import { MemoryEventStore } from '../eventStore/memoryEventStore.js';
import { SagaIndex, indexSnapshotType } from './sagaIndex.js';

describe('SagaIndex', () => {
  it('lists the sagas opened and not closed, oldest first', async () => {
    const index = new SagaIndex(new MemoryEventStore(), 'trip', 1_000);
    for (const id of ['a', 'b', 'c', 'd']) await index.opened(id, 'trip');
    await index.closed('b', 'completed');
    await index.closed('d', 'failed');
    expect(index.stream).toBe('trip.index');
    expect(await index.unfinished()).toEqual(['a', 'c']);
  });

  it('stores a snapshot once a scan folded enough events, and later scans stop at it', async () => {
    const store = new MemoryEventStore();
    const index = new SagaIndex(store, 'saga', 3);
    for (const id of ['a', 'b', 'c']) await index.opened(id, 't');
    await index.closed('a', 'completed');
    expect(await index.unfinished()).toEqual(['b', 'c']);
    const afterFirst = await store.readStream('saga.index');
    expect(afterFirst.map((e) => e.type)).toEqual(['SagaOpened', 'SagaOpened', 'SagaOpened', 'SagaClosed', indexSnapshotType]);
    expect(afterFirst[4]?.data).toEqual({ open: ['c', 'b'] });

    await index.closed('c', 'completed');
    await index.opened('e', 't');
    // Two events after the snapshot: below the threshold, so no new snapshot; the answer folds both over it.
    expect(await index.unfinished()).toEqual(['b', 'e']);
    expect(await store.streamVersion('saga.index')).toBe(7);
  });

  it('writes the events of sagas opened and closed together in one append while another is in flight, in arrival order', async () => {
    const store = new MemoryEventStore();
    const appends: number[] = [];
    const counting = new Proxy(store, {
      get: (target, key) =>
        key === 'append'
          ? (...args: Parameters<MemoryEventStore['append']>) => {
              appends.push(args[1].length);
              return target.append(...args);
            }
          : (Reflect.get(target, key) as unknown),
    });
    const index = new SagaIndex(counting, 'saga', 1_000);
    await Promise.all(['a', 'b', 'c', 'd'].map((id) => index.opened(id, 't')).concat(index.closed('b', 'completed')));
    expect(appends).toEqual([1, 4]);
    expect((await store.readStream('saga.index')).map((e) => (e.data as { sagaId: string }).sagaId)).toEqual(['a', 'b', 'c', 'd', 'b']);
    expect(await index.unfinished()).toEqual(['a', 'c', 'd']);
  });

  it('rejects exactly the callers whose events a failed append carried, and goes on with the next', async () => {
    const store = new MemoryEventStore();
    let failNext = false;
    const failing = new Proxy(store, {
      get: (target, key) =>
        key === 'append'
          ? (...args: Parameters<MemoryEventStore['append']>) => {
              if (failNext) {
                failNext = false;
                return Promise.reject(new Error('disk full'));
              }
              return target.append(...args);
            }
          : (Reflect.get(target, key) as unknown),
    });
    const index = new SagaIndex(failing, 'saga', 1_000);
    const first = index.opened('a', 't');
    failNext = true;
    const batch = [index.opened('b', 't'), index.opened('c', 't')];
    await first;
    await expect(Promise.all(batch)).rejects.toThrow('disk full');
    await index.opened('d', 't');
    expect(await index.unfinished()).toEqual(['a', 'd']);
  });

  it('is empty for a runner that never started a saga', async () => {
    expect(await new SagaIndex(new MemoryEventStore(), 'saga', 1).unfinished()).toEqual([]);
  });
});
