// The one contract suite every EventStore implementation must pass; each implementation's spec calls it.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConcurrencyError, LucentError, ValidationError } from '@lucent/core';
import type { EventStore, NewEvent, ReadAllOptions, StoredEvent } from './eventStore.js';

const ev = (n: number, type = 'Counted'): NewEvent => ({ type, data: { n } });
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/**
 * `readAll` once `ready` holds of what it returns (at most 10 s). A SQL store reads below the oldest
 * transaction running on the server (docs/event-store.md, gap-safe global order), so another
 * spec's open transaction on the same server can hold just-appended events back for a moment;
 * they are never skipped, only later.
 */
async function readAllOnce(store: EventStore, options: ReadAllOptions, ready: (events: StoredEvent[]) => boolean): Promise<StoredEvent[]> {
  const until = Date.now() + 10_000;
  for (;;) {
    const events = await store.readAll(options);
    if (ready(events) || Date.now() > until) return events;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Declare the shared cases. `makeStore` must return an empty store (its own schema, directory or instance). */
export function eventStoreContract(name: string, makeStore: () => Promise<EventStore>): void {
  describe(`EventStore contract: ${name}`, () => {
    let store: EventStore;
    let stream: string;
    beforeAll(async () => {
      store = await makeStore();
    });
    afterAll(async () => {
      await store.close();
    });
    const fresh = (): string => (stream = `contract-${randomUUID()}`);

    it('appends to a new stream with noStream and numbers the events 1..n', async () => {
      fresh();
      const r = await store.append(stream, [ev(1), ev(2), ev(3)], { expectedVersion: 'noStream' });
      expect(r).toMatchObject({ nextVersion: 3, duplicate: false });
      const read = await store.readStream(stream);
      expect(read.map((e) => e.streamVersion)).toEqual([1, 2, 3]);
      expect(read.map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3]);
      expect(read[2]?.globalPosition).toBe(r.lastGlobalPosition);
      expect(await store.streamVersion(stream)).toBe(3);
      expect(await store.streamVersion(`missing-${randomUUID()}`)).toBe(0);
    });

    it('stores the full envelope: id, type, data, metadata, versions, position, timestamp', async () => {
      fresh();
      const id = randomUUID();
      const metadata = {
        correlationId: 'corr-1',
        causationId: 'cause-1',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        userId: 'user-7',
      };
      const before = Date.now();
      await store.append(stream, [{ id, type: 'Opened', data: { pair: 'ETH-USD', qty: 1.5, tags: ['a'] }, metadata }]);
      const [e] = await store.readStream(stream);
      expect(e).toMatchObject({ id, stream, type: 'Opened', data: { pair: 'ETH-USD', qty: 1.5, tags: ['a'] }, metadata });
      expect(e?.streamVersion).toBe(1);
      expect(e?.globalPosition).toBeGreaterThan(0);
      expect(e?.timestamp).toBeGreaterThanOrEqual(before - 5_000);
      expect(e?.timestamp).toBeLessThanOrEqual(Date.now() + 5_000);
    });

    it('accepts an exact expected version and rejects a stale one with VERSION_CONFLICT, writing nothing', async () => {
      fresh();
      await store.append(stream, [ev(1), ev(2)], { expectedVersion: 'noStream' });
      await store.append(stream, [ev(3)], { expectedVersion: 2 });
      const stale = store.append(stream, [ev(99), ev(100)], { expectedVersion: 2 });
      await expect(stale).rejects.toBeInstanceOf(ConcurrencyError);
      await expect(stale).rejects.toMatchObject({ code: 'VERSION_CONFLICT', details: { actual: 3 } });
      expect((await store.readStream(stream)).map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3]);
      expect(await store.streamVersion(stream)).toBe(3);
    });

    it('enforces noStream, streamExists and any', async () => {
      fresh();
      await expect(store.append(stream, [ev(1)], { expectedVersion: 'streamExists' })).rejects.toMatchObject({
        code: 'VERSION_CONFLICT',
      });
      await expect(store.append(stream, [ev(1)], { expectedVersion: 1 })).rejects.toMatchObject({
        code: 'VERSION_CONFLICT',
      });
      await store.append(stream, [ev(1)], { expectedVersion: 0 });
      await expect(store.append(stream, [ev(2)], { expectedVersion: 'noStream' })).rejects.toMatchObject({
        code: 'VERSION_CONFLICT',
      });
      await store.append(stream, [ev(2)], { expectedVersion: 'streamExists' });
      await store.append(stream, [ev(3)], { expectedVersion: 'any' });
      await store.append(stream, [ev(4)]);
      expect(await store.streamVersion(stream)).toBe(4);
    });

    it('lets exactly one of several concurrent writers with the same expected version win', async () => {
      fresh();
      await store.append(stream, [ev(0)]);
      const results = await Promise.allSettled(range(1, 6).map((i) => store.append(stream, [ev(i)], { expectedVersion: 1 })));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConcurrencyError);
      expect(await store.streamVersion(stream)).toBe(2);
    });

    it('reads a stream forwards and backwards from a version, with a limit', async () => {
      fresh();
      await store.append(stream, range(1, 10).map((n) => ev(n)));
      const fwd = await store.readStream(stream, { fromVersion: 4, maxCount: 3 });
      expect(fwd.map((e) => e.streamVersion)).toEqual([4, 5, 6]);
      const back = await store.readStream(stream, { direction: 'backwards', maxCount: 3 });
      expect(back.map((e) => e.streamVersion)).toEqual([10, 9, 8]);
      const backFrom = await store.readStream(stream, { direction: 'backwards', fromVersion: 2 });
      expect(backFrom.map((e) => e.streamVersion)).toEqual([2, 1]);
      expect(await store.readStream(`missing-${randomUUID()}`)).toEqual([]);
    });

    it('reads all events in global order across streams, after a position', async () => {
      const a = `contract-a-${randomUUID()}`;
      const b = `contract-b-${randomUUID()}`;
      const r1 = await store.append(a, [ev(1)]);
      await store.append(b, [ev(2), ev(3)]);
      await store.append(a, [ev(4)]);
      const ofOurs = (events: readonly StoredEvent[]): StoredEvent[] => events.filter((e) => e.stream === a || e.stream === b);
      const all = await readAllOnce(store, { after: r1.lastGlobalPosition - 1, maxCount: 1000 }, (events) => ofOurs(events).length >= 4);
      expect(ofOurs(all).map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3, 4]);
      const positions = all.map((e) => e.globalPosition);
      expect(positions).toEqual([...positions].sort((x, y) => x - y));
      const page = await readAllOnce(store, { after: r1.lastGlobalPosition, maxCount: 2 }, (events) => events.length >= 2);
      expect(page).toHaveLength(2);
      expect(page[0]?.globalPosition).toBeGreaterThan(r1.lastGlobalPosition);
    });

    it('returns the first result for a repeated idempotency key and writes nothing', async () => {
      fresh();
      const key = `cmd-${randomUUID()}`;
      const first = await store.append(stream, [ev(1), ev(2)], { idempotencyKey: key });
      const again = await store.append(stream, [ev(1), ev(2)], { idempotencyKey: key, expectedVersion: 'noStream' });
      expect(again).toEqual({ ...first, duplicate: true });
      expect(await store.streamVersion(stream)).toBe(2);
    });

    it('returns the first result for a repeated idempotency key on a single-event append, too', async () => {
      fresh();
      const key = `cmd-${randomUUID()}`;
      const first = await store.append(stream, [ev(1)], { idempotencyKey: key });
      expect(first).toMatchObject({ nextVersion: 1, duplicate: false });
      // Two retries at once: both get the first result, and nothing more is written.
      const again = await Promise.all([
        store.append(stream, [ev(1)], { idempotencyKey: key, expectedVersion: 'noStream' }),
        store.append(stream, [ev(1)], { idempotencyKey: key }),
      ]);
      expect(again).toEqual([
        { ...first, duplicate: true },
        { ...first, duplicate: true },
      ]);
      expect(await store.streamVersion(stream)).toBe(1);
      const raced = `cmd-${randomUUID()}`;
      const racing = await Promise.all([
        store.append(`${stream}-race`, [ev(1)], { idempotencyKey: raced }),
        store.append(`${stream}-race`, [ev(1)], { idempotencyKey: raced }),
      ]);
      expect(racing.filter((r) => !r.duplicate)).toHaveLength(1);
      expect(await store.streamVersion(`${stream}-race`)).toBe(1);
    });

    it('refuses a key reused on another stream with IDEMPOTENCY_KEY_REUSED and writes nothing on either', async () => {
      fresh();
      const other = `${stream}-other`;
      const key = `cmd-${randomUUID()}`;
      const first = await store.append(stream, [ev(1)], { idempotencyKey: key });
      for (const events of [[ev(1)], [ev(1), ev(2)]]) {
        const reused = store.append(other, events, { idempotencyKey: key });
        await expect(reused).rejects.toBeInstanceOf(LucentError);
        await expect(reused).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', details: { key, stream } });
      }
      expect(await store.streamVersion(other)).toBe(0);
      expect(await store.readStream(other)).toEqual([]);
      expect((await store.readStream(stream)).map((e) => (e.data as { n: number }).n)).toEqual([1]);
      // The key still means its first request.
      expect(await store.append(stream, [ev(1)], { idempotencyKey: key })).toEqual({ ...first, duplicate: true });
    });

    it('refuses a key repeated with other events (type, data, metadata, ids, count) and writes nothing', async () => {
      fresh();
      const key = `cmd-${randomUUID()}`;
      const id = randomUUID();
      const sent: NewEvent[] = [
        { id, type: 'Counted', data: { n: 1, tags: ['a'] }, metadata: { correlationId: 'c-1' } },
        { type: 'Counted', data: { n: 2 } },
      ];
      const first = await store.append(stream, sent, { idempotencyKey: key });
      const e0 = sent[0] as NewEvent;
      const variants: NewEvent[][] = [
        [{ ...e0, type: 'Other' }, ev(2)],
        [{ ...e0, data: { n: 1, tags: ['b'] } }, ev(2)],
        [{ ...e0, metadata: { correlationId: 'c-2' } }, ev(2)],
        [{ ...e0, id: randomUUID() }, ev(2)],
        [{ type: 'Counted', data: { n: 1, tags: ['a'] }, metadata: { correlationId: 'c-1' } }, ev(2)],
        [e0],
        [e0, ev(2), ev(3)],
        [ev(2), e0],
      ];
      for (const events of variants) {
        const attempt = store.append(stream, events, { idempotencyKey: key });
        await expect(attempt).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', details: { key, stream } });
      }
      // The same events (object keys in another order, the id in upper case) are the same request.
      const same: NewEvent[] = [
        { metadata: { correlationId: 'c-1' }, data: { tags: ['a'], n: 1 }, type: 'Counted', id: id.toUpperCase() },
        { type: 'Counted', data: { n: 2 } },
      ];
      expect(await store.append(stream, same, { idempotencyKey: key, expectedVersion: 'noStream' })).toEqual({ ...first, duplicate: true });
      const stored = await store.readStream(stream);
      expect(stored.map((e) => (e.data as { n: number }).n)).toEqual([1, 2]);
      expect(stored[0]?.id).toBe(id.toLowerCase());
    });

    it('refuses a single-event key repeated with another event, and returns the first result for the same one', async () => {
      fresh();
      const key = `cmd-${randomUUID()}`;
      const first = await store.append(stream, [ev(1)], { idempotencyKey: key });
      await expect(store.append(stream, [ev(2)], { idempotencyKey: key })).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
      await expect(store.append(stream, [ev(1, 'Other')], { idempotencyKey: key })).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
      expect(await store.append(stream, [ev(1)], { idempotencyKey: key })).toEqual({ ...first, duplicate: true });
      expect(await store.readStream(stream)).toHaveLength(1);
    });

    it('compares an idempotencyPayload instead of the events when one is given', async () => {
      fresh();
      const key = `cmd-${randomUUID()}`;
      const command = { deposit: 5, account: 'a' };
      const first = await store.append(stream, [ev(1)], { idempotencyKey: key, idempotencyPayload: command });
      // A retry that decided other events for the same command is the same request.
      const again = await store.append(stream, [ev(7), ev(8)], { idempotencyKey: key, idempotencyPayload: { account: 'a', deposit: 5 } });
      expect(again).toEqual({ ...first, duplicate: true });
      await expect(store.append(stream, [ev(1)], { idempotencyKey: key, idempotencyPayload: { deposit: 6, account: 'a' } })).rejects.toMatchObject({
        code: 'IDEMPOTENCY_KEY_REUSED',
      });
      await expect(store.append(stream, [ev(1)], { idempotencyKey: key })).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
      await expect(store.append(stream, [ev(1)], { idempotencyPayload: command })).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        details: { issues: [{ path: 'idempotencyPayload' }] },
      });
      expect((await store.readStream(stream)).map((e) => (e.data as { n: number }).n)).toEqual([1]);
    });

    it('keeps event ids unique within a stream: a retried batch without a key is refused with DUPLICATE_EVENT_ID', async () => {
      fresh();
      const ids = [randomUUID(), randomUUID(), randomUUID()];
      const batch = ids.map((id, i) => ({ id, type: 'Counted', data: { n: i + 1 } }));
      const first = await store.append(stream, batch, { expectedVersion: 'any' });
      const retry = store.append(stream, batch, { expectedVersion: 'any' });
      await expect(retry).rejects.toBeInstanceOf(LucentError);
      await expect(retry).rejects.toMatchObject({ code: 'DUPLICATE_EVENT_ID', details: { stream } });
      // One repeated id among new ones refuses the whole batch; so does a single event, in any case.
      const mixed = store.append(stream, [{ id: randomUUID(), type: 'Counted', data: { n: 9 } }, batch[1] as NewEvent]);
      await expect(mixed).rejects.toMatchObject({ code: 'DUPLICATE_EVENT_ID', details: { stream, eventId: ids[1] } });
      await expect(store.append(stream, [{ ...(batch[2] as NewEvent), id: (ids[2] as string).toUpperCase() }])).rejects.toMatchObject({
        code: 'DUPLICATE_EVENT_ID',
        details: { stream, eventId: ids[2] },
      });
      const stored = await store.readStream(stream);
      expect(stored.map((e) => e.id)).toEqual(ids);
      expect(await store.streamVersion(stream)).toBe(3);
      expect((await store.readAll({ after: first.lastGlobalPosition, maxCount: 10_000 })).filter((e) => e.stream === stream)).toEqual([]);
      // Another stream may hold the same ids.
      expect(await store.append(`${stream}-copy`, batch)).toMatchObject({ nextVersion: 3, duplicate: false });
      // Ids the store generates lie in a range of their own, which callers may not give (so such
      // an id read back cannot be appended again, here or anywhere).
      const generated = await store.append(`${stream}-gen`, [ev(1), ev(2)]);
      const back = await store.readStream(`${stream}-gen`);
      for (const e of back) expect(e.id).toMatch(/^4c556365-6e74-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(new Set(back.map((e) => e.id)).size).toBe(2);
      for (const target of [`${stream}-gen`, `${stream}-elsewhere`]) {
        const again = store.append(target, [{ id: back[0]?.id, type: 'Counted', data: { n: 1 } }]);
        await expect(again).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { issues: [{ path: 'events.0.id' }] } });
      }
      await expect(store.append(stream, [{ id: '4C556365-6E74-8ABC-9DEF-0123456789AB', type: 'X', data: {} }])).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      });
      expect(await store.streamVersion(`${stream}-gen`)).toBe(generated.nextVersion);
      expect(await store.streamVersion(`${stream}-elsewhere`)).toBe(0);
      // An id twice in one batch is refused before any I/O.
      const twice = store.append(`${stream}-twice`, [batch[0] as NewEvent, { ...(batch[0] as NewEvent), data: { n: 2 } }]);
      await expect(twice).rejects.toBeInstanceOf(ValidationError);
      await expect(twice).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { issues: [{ path: 'events.1.id' }] } });
      expect(await store.streamVersion(`${stream}-twice`)).toBe(0);
    });

    it('refuses bad read options with VALIDATION_FAILED naming the option, never a driver error', async () => {
      fresh();
      await store.append(stream, [ev(1), ev(2), ev(3)]);
      const refused = async (attempt: Promise<unknown>, path: string): Promise<void> => {
        await expect(attempt).rejects.toBeInstanceOf(ValidationError);
        await expect(attempt).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { issues: [{ path }] } });
      };
      for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '2' as unknown as number]) {
        await refused(store.readStream(stream, { maxCount: bad }), 'maxCount');
        await refused(store.readStream(stream, { direction: 'backwards', maxCount: bad }), 'maxCount');
        await refused(store.readStream(stream, { fromVersion: bad }), 'fromVersion');
        await refused(store.readAll({ maxCount: bad }), 'maxCount');
        await refused(store.readAll({ after: bad }), 'after');
        await refused(store.saveCheckpoint(`sub-${randomUUID()}`, bad), 'position');
      }
      await expect(store.readStream(stream, { maxCount: -1 })).rejects.toThrow(/maxCount: must be a non-negative integer/);
      await refused(store.readStream(stream, { direction: 'sideways' as 'forwards' }), 'direction');
      await refused(store.readStream(stream, { fromPosition: 1 } as never), 'fromPosition');
      await refused(store.readAll({ fromVersion: 1 } as never), 'fromVersion');
      await refused(store.readStream(''), 'stream');
      await refused(store.streamVersion(''), 'stream');
      await refused(store.loadCheckpoint(''), 'subscriberId');
      const handler = (): void => undefined;
      for (const [options, path] of [
        [{ handler, batchSize: 0 }, 'batchSize'],
        [{ handler, batchSize: -5 }, 'batchSize'],
        [{ handler, after: -1 }, 'after'],
        [{ handler, pollIntervalMs: Number.NaN }, 'pollIntervalMs'],
        [{ handler, subscriberId: '' }, 'subscriberId'],
        [{}, 'handler'],
      ] as const) {
        expect(() => store.subscribe(options as never)).toThrow(ValidationError);
        try {
          store.subscribe(options as never);
        } catch (error) {
          expect(error).toMatchObject({ code: 'VALIDATION_FAILED', details: { issues: [{ path }] } });
        }
      }
      // Zero and the boundaries are fine.
      expect(await store.readStream(stream, { maxCount: 0 })).toEqual([]);
      expect(await store.readAll({ after: 0, maxCount: 0 })).toEqual([]);
      expect((await store.readStream(stream, { fromVersion: 0, maxCount: 2 })).map((e) => e.streamVersion)).toEqual([1, 2]);
      expect(await store.readStream(stream, { direction: 'backwards', fromVersion: 0 })).toEqual([]);
      expect((await store.readStream(stream, { maxCount: undefined })).length).toBe(3);
      expect(await store.streamVersion(stream)).toBe(3);
    });

    it('rejects malformed and oversized events with a typed error and writes nothing of the batch', async () => {
      fresh();
      const bad: unknown[][] = [
        [ev(1), { type: '', data: {} }],
        [ev(1), { type: 'X' }],
        [ev(1), { type: 42, data: {} }],
        [ev(1), { type: 'X', data: {}, metadata: 'nope' }],
        [ev(1), { type: 'X', data: {}, id: 'not-a-uuid' }],
        [ev(1), { type: 'Big', data: { blob: 'x'.repeat(2 * 1024 * 1024) } }],
        [],
      ];
      for (const events of bad) {
        const attempt = store.append(stream, events as NewEvent[]);
        await expect(attempt).rejects.toBeInstanceOf(ValidationError);
        await expect(attempt).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      }
      await expect(store.append('', [ev(1)])).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      await expect(store.append(stream, [ev(1)], { expectedVersion: -3 })).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      });
      expect(await store.streamVersion(stream)).toBe(0);
      expect(await store.readStream(stream)).toEqual([]);
    });

    it('keeps a stored event immune to later mutation of the appended object', async () => {
      fresh();
      const data = { n: 1 };
      await store.append(stream, [{ type: 'Counted', data }]);
      data.n = 2;
      expect((await store.readStream(stream))[0]?.data).toEqual({ n: 1 });
    });

    it('delivers existing events, then live ones, to a subscriber in global order', async () => {
      fresh();
      const first = await store.append(stream, [ev(1), ev(2)]);
      const seen: StoredEvent[] = [];
      const sub = store.subscribe({
        after: first.lastGlobalPosition - 2,
        pollIntervalMs: 50,
        handler: (events) => {
          seen.push(...events.filter((e) => e.stream === stream));
        },
      });
      try {
        await sub.waitFor(first.lastGlobalPosition);
        const live = await store.append(stream, [ev(3)]);
        await sub.waitFor(live.lastGlobalPosition);
        expect(seen.map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3]);
        expect(sub.position).toBeGreaterThanOrEqual(live.lastGlobalPosition);
      } finally {
        await sub.stop();
      }
    });

    it('resumes a durable subscriber from its stored checkpoint', async () => {
      fresh();
      const id = `sub-${randomUUID()}`;
      const start = await store.append(stream, [ev(1)]);
      await store.saveCheckpoint(id, start.lastGlobalPosition - 1);
      const seen: number[] = [];
      const handler = (events: readonly StoredEvent[]): void => {
        for (const e of events) if (e.stream === stream) seen.push((e.data as { n: number }).n);
      };
      const one = store.subscribe({ subscriberId: id, pollIntervalMs: 50, handler });
      await one.waitFor(start.lastGlobalPosition);
      await one.stop();
      expect(await store.loadCheckpoint(id)).toBeGreaterThanOrEqual(start.lastGlobalPosition);
      const next = await store.append(stream, [ev(2)]);
      const two = store.subscribe({ subscriberId: id, pollIntervalMs: 50, handler });
      await two.waitFor(next.lastGlobalPosition);
      await two.stop();
      expect(seen).toEqual([1, 2]);
      expect(await store.loadCheckpoint(`none-${randomUUID()}`)).toBe(0);
    });

    it('redelivers a batch whose handler failed (at least once, with positions)', async () => {
      fresh();
      const r = await store.append(stream, [ev(1)]);
      let calls = 0;
      const errors: unknown[] = [];
      const positions: number[] = [];
      const sub = store.subscribe({
        after: r.lastGlobalPosition - 1,
        pollIntervalMs: 20,
        onError: (e) => errors.push(e),
        handler: (events) => {
          calls++;
          if (calls === 1) throw new LucentError('UNAVAILABLE', 'downstream not ready');
          positions.push(...events.filter((e) => e.stream === stream).map((e) => e.globalPosition));
        },
      });
      await sub.waitFor(r.lastGlobalPosition);
      await sub.stop();
      expect(errors).toHaveLength(1);
      expect(positions).toEqual([r.lastGlobalPosition]);
    });
  });
}
