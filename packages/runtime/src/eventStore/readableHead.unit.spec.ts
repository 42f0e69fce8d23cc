// readableHead finds the newest position through one-event reads, from any readable starting point.
import { describe, expect, it } from 'vitest';
import type { EventStore } from './eventStore.js';
import { MemoryEventStore } from './memoryEventStore.js';
import { readableHead } from './readableHead.js';

describe('readableHead', () => {
  it('is the last global position for every store size and starting point, in a logarithmic number of reads', async () => {
    for (const size of [0, 1, 2, 3, 7, 100, 1_025]) {
      const store = new MemoryEventStore();
      for (let i = 0; i < size; i++) await store.append(`s-${i % 3}`, [{ type: 'E', data: { i } }]);
      let reads = 0;
      const counting: Pick<EventStore, 'readAll'> = { readAll: (o) => (reads++, store.readAll(o)) };
      for (const from of new Set([0, Math.floor(size / 2), size])) {
        reads = 0;
        expect(await readableHead(counting, from), `size ${size} from ${from}`).toBe(size);
        expect(reads).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(size - from + 2)) + 2);
      }
    }
  });
});
