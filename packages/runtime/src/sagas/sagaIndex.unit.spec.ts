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

  it('is empty for a runner that never started a saga', async () => {
    expect(await new SagaIndex(new MemoryEventStore(), 'saga', 1).unfinished()).toEqual([]);
  });
});
