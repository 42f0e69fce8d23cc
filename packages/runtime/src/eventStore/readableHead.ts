// The global position of the newest readable event, found through the port's readAll alone (projection lag, read-only checks).
import type { EventStore } from './eventStore.js';

/**
 * The position of the last event `readAll` would hand out now, 0 for an empty store. Looks
 * from `from` (a position known to be readable or 0, e.g. a projection's checkpoint) with
 * one-event reads: one read when nothing is newer, else a galloping then a binary search,
 * about 2·log2(events newer than `from`) reads. Positions may have gaps (a rolled-back append),
 * so "an event exists after p" is what is searched, never a count.
 */
export async function readableHead(store: Pick<EventStore, 'readAll'>, from = 0): Promise<number> {
  const after = async (position: number): Promise<number | undefined> => (await store.readAll({ after: position, maxCount: 1 }))[0]?.globalPosition;
  let known = from;
  const first = await after(known);
  if (first === undefined) return known;
  known = first;
  // Gallop: double the step until nothing lies past known + step.
  let step = 1;
  let beyond: number;
  for (;;) {
    const next = await after(known + step - 1);
    if (next === undefined) {
      beyond = known + step - 1;
      break;
    }
    known = next;
    step *= 2;
  }
  // Every event is at a position <= beyond, and `known` exists: narrow the range (known, beyond].
  let low = known;
  let high = beyond;
  while (low < high) {
    const mid = Math.floor((low + high + 1) / 2);
    const next = await after(mid - 1);
    if (next === undefined) high = mid - 1;
    else low = next;
  }
  return low;
}
