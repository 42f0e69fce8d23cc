// The one contract suite every TimerStore implementation must pass; each implementation's spec calls it.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewTimer, TimerStore } from './timerStore.js';

/** Declare the shared cases. `makeStore` must return an empty store (its own schema, directory or instance). */
export function timerStoreContract(name: string, makeStore: () => Promise<TimerStore>): void {
  describe(`TimerStore contract: ${name}`, () => {
    let store: TimerStore;
    // A fixed virtual epoch: every case reads time from here, never from the wall clock.
    const t0 = 1_700_000_000_000;
    beforeAll(async () => {
      store = await makeStore();
    });
    afterAll(async () => {
      await store.close();
    });
    const tag = (): string => randomUUID().slice(0, 8);
    const once = (id: string, dueAt: number, extra: Partial<NewTimer> = {}): NewTimer => ({
      id,
      kind: 'once',
      handler: 'h',
      dueAt,
      payload: { id },
      ...extra,
    });
    const wait = (id: string, key: string, deadline: number, lookbackMs?: number): NewTimer => ({
      id,
      kind: 'external',
      handler: 'onMatch',
      timeoutHandler: 'onTimeout',
      dueAt: deadline,
      waitKey: key,
      payload: null,
      ...(lookbackMs !== undefined ? { lookbackMs } : {}),
    });
    /** Claim everything due at `now` and keep only this case's timers (stores are shared across cases). */
    const claimMine = async (prefix: string, now: number, node = 'n1', leaseMs = 10_000, limit = 1_000) =>
      (await store.claimDue(node, now, leaseMs, limit)).filter((c) => c.id.startsWith(prefix));

    it('stores a timer once per id: a second schedule with the same id writes nothing', async () => {
      const id = `dedupe-${tag()}`;
      const first = await store.schedule(once(id, t0 + 5_000, { owner: 'saga:1' }), t0);
      expect(first.created).toBe(true);
      expect(first.timer).toMatchObject({ id, kind: 'once', handler: 'h', dueAt: t0 + 5_000, state: 'pending', owner: 'saga:1', attempts: 0, registeredAt: t0 });
      const again = await store.schedule(once(id, t0 + 99_000, { payload: { other: true } }), t0 + 1);
      expect(again.created).toBe(false);
      expect(again.timer.dueAt).toBe(t0 + 5_000);
      expect((await store.get(id))?.payload).toEqual({ id });
    });

    it('keeps a JSON payload exactly (nesting, unicode, numbers, null)', async () => {
      const id = `json-${tag()}`;
      const payload = { a: [1, 2.5, -3e-7, null], b: { c: 'é ✓ 💰', d: true }, e: '' };
      await store.schedule(once(id, t0 + 1, { payload }), t0);
      expect((await store.get(id))?.payload).toEqual(payload);
      expect(await store.get(`missing-${tag()}`)).toBeUndefined();
    });

    it('claims only due timers, earliest first, at most `limit`, and never one held by a live lease', async () => {
      const p = `claim-${tag()}-`;
      const base = t0 + 1_000_000;
      await store.schedule(once(`${p}c`, base + 30), base);
      await store.schedule(once(`${p}a`, base + 10), base);
      await store.schedule(once(`${p}b`, base + 20), base);
      await store.schedule(once(`${p}later`, base + 10_000), base);
      expect(await claimMine(p, base + 5)).toEqual([]);
      // Earlier cases leave timers due before this one's: hold them elsewhere so `limit` sees only ours.
      await store.claimDue('sweeper', base + 9, 60_000, 100_000);
      const firstTwo = await store.claimDue('n1', base + 30, 10_000, 2);
      expect(firstTwo.map((c) => c.id)).toEqual([`${p}a`, `${p}b`]);
      const rest = await claimMine(p, base + 40, 'n2');
      expect(rest.map((c) => c.id)).toEqual([`${p}c`]);
      expect(rest[0]).toMatchObject({ claimedBy: 'n2', claimedUntil: base + 40 + 10_000, reason: 'due' });
      // Held by live leases: nobody else gets them.
      expect(await claimMine(p, base + 100, 'n3')).toEqual([]);
    });

    it("hands a crashed node's timer to another node once its lease has run out, and the stale holder can no longer finish it", async () => {
      const id = `lease-${tag()}`;
      const base = t0 + 2_000_000;
      await store.schedule(once(id, base), base);
      const [crashed] = await claimMine(id, base, 'dead-node', 1_000);
      expect(crashed?.id).toBe(id);
      expect(await claimMine(id, base + 999, 'n2', 1_000)).toEqual([]);
      const [taken] = await claimMine(id, base + 1_001, 'n2', 1_000);
      expect(taken?.claimedBy).toBe('n2');
      expect(await store.complete(crashed!, { outcomes: [{ outcome: 'fired', scheduledFor: base }] }, base + 1_002)).toBe(false);
      expect(await store.complete(taken!, { outcomes: [{ outcome: 'fired', scheduledFor: base }] }, base + 1_003)).toBe(true);
      expect(await store.get(id)).toMatchObject({ state: 'done', outcome: 'fired' });
      const log = await store.outcomes(id);
      expect(log).toHaveLength(1);
      expect(log[0]).toMatchObject({ timerId: id, outcome: 'fired', scheduledFor: base, node: 'n2', at: base + 1_003 });
      expect(await claimMine(id, base + 10_000_000, 'n3')).toEqual([]);
    });

    it('re-arms a recurring timer on complete with rearmAt and logs each occurrence once', async () => {
      const id = `cron-${tag()}`;
      const base = t0 + 3_000_000;
      await store.schedule({ id, kind: 'cron', handler: 'tick', dueAt: base + 1_000, payload: null, cron: '* * * * * *', timezone: 'UTC', misfire: 'catchUp' }, base);
      const [c1] = await claimMine(id, base + 1_000);
      expect(c1).toMatchObject({ cron: '* * * * * *', timezone: 'UTC', misfire: 'catchUp' });
      expect(await store.complete(c1!, { outcomes: [{ outcome: 'fired', scheduledFor: base + 1_000 }], rearmAt: base + 2_000 }, base + 1_001)).toBe(true);
      expect(await store.get(id)).toMatchObject({ state: 'pending', dueAt: base + 2_000 });
      expect(await claimMine(id, base + 1_500)).toEqual([]);
      const [c2] = await claimMine(id, base + 2_000);
      expect(await store.complete(c2!, { outcomes: [{ outcome: 'fired', scheduledFor: base + 2_000 }, { outcome: 'skipped', scheduledFor: base + 2_000, detail: { count: 0 } }], rearmAt: base + 3_000 }, base + 2_001)).toBe(true);
      const log = await store.outcomes(id);
      expect(log.map((o) => [o.outcome, o.scheduledFor])).toEqual([
        ['fired', base + 1_000],
        ['fired', base + 2_000],
        ['skipped', base + 2_000],
      ]);
      expect(log[2]?.detail).toEqual({ count: 0 });
    });

    it('gives a cron job\'s latest runs, oldest first, without the rest of its log; a bad `latest` is refused', async () => {
      const id = `latest-${tag()}`;
      const base = t0 + 3_500_000;
      await store.schedule({ id, kind: 'cron', handler: 'tick', dueAt: base + 1_000, payload: null, cron: '* * * * * *', misfire: 'skip' }, base);
      for (let n = 1; n <= 4; n++) {
        const [claim] = await claimMine(id, base + n * 1_000);
        const outcome = n === 3 ? 'failed' : 'fired';
        await store.complete(claim!, { outcomes: [{ outcome, scheduledFor: base + n * 1_000 }], rearmAt: base + (n + 1) * 1_000 }, base + n * 1_000 + 1);
      }
      const latest = await store.outcomes(id, { latest: 2 });
      expect(latest.map((o) => [o.outcome, o.scheduledFor])).toEqual([
        ['failed', base + 3_000],
        ['fired', base + 4_000],
      ]);
      expect(await store.outcomes(id, { latest: 10 })).toEqual(await store.outcomes(id));
      await expect(store.outcomes(id, { latest: 0 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { issues: [{ path: 'latest' }] } });
    });

    it('retries a failed run later and counts the attempt', async () => {
      const id = `retry-${tag()}`;
      const base = t0 + 4_000_000;
      await store.schedule(once(id, base), base);
      const [c] = await claimMine(id, base);
      expect(await store.retry(c!, base + 500, 'boom', base + 1)).toBe(true);
      expect(await store.get(id)).toMatchObject({ state: 'pending', dueAt: base + 500, attempts: 1 });
      expect(await claimMine(id, base + 499)).toEqual([]);
      const [again] = await claimMine(id, base + 500);
      expect(again?.attempts).toBe(1);
      expect(await store.retry(c!, base + 900, 'stale', base + 501)).toBe(false);
    });

    it("arms a failed cron run's retry with the completion only while the claim is held, and logs the retry's outcomes under the job", async () => {
      const id = `job-${tag()}`;
      const base = t0 + 17_000_000;
      const policy = { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 60_000 };
      const job: NewTimer = { id, kind: 'cron', handler: 'tick', dueAt: base, payload: { n: 1 }, cron: '* * * * * *', timezone: 'UTC', misfire: 'skip', retryPolicy: policy };
      await store.schedule(job, base);
      expect((await store.get(id))?.retryPolicy).toEqual(policy);
      const retryId = `retry:${id}@${base}`;
      const retry = (dueAt: number): NewTimer => ({
        id: retryId,
        kind: 'once',
        handler: 'tick',
        dueAt,
        payload: { n: 1 },
        owner: `cron:${id}`,
        retryPolicy: policy,
        retryOf: { timerId: id, scheduledFor: base },
      });
      // n1's lease lapses mid-run and n2 runs the occurrence again: only the holder's completion arms a retry.
      const [stale] = await claimMine(id, base, 'n1', 1_000);
      const [held] = await claimMine(id, base + 1_001, 'n2', 10_000);
      expect(held?.claimedBy).toBe('n2');
      expect(await store.complete(stale!, { outcomes: [{ outcome: 'retrying', scheduledFor: base }], rearmAt: base + 2_000, arm: [retry(base + 1_500)] }, base + 1_002)).toBe(false);
      expect(await store.get(retryId)).toBeUndefined();
      const failure = { outcome: 'retrying' as const, scheduledFor: base, detail: { error: 'boom' } };
      expect(await store.complete(held!, { outcomes: [failure], rearmAt: base + 2_000, arm: [retry(base + 1_500)] }, base + 1_003)).toBe(true);
      expect(await store.get(id)).toMatchObject({ state: 'pending', dueAt: base + 2_000 });
      expect(await store.get(retryId)).toMatchObject({
        kind: 'once',
        state: 'pending',
        dueAt: base + 1_500,
        owner: `cron:${id}`,
        registeredAt: base + 1_003,
        attempts: 0,
        retryPolicy: policy,
        retryOf: { timerId: id, scheduledFor: base },
      });
      const [r1] = await claimMine(retryId, base + 1_500);
      expect(r1?.retryOf).toEqual({ timerId: id, scheduledFor: base });
      expect(await store.retry(r1!, base + 3_500, 'again', base + 1_501)).toBe(true);
      // The next occurrence's completion arming the same id again stores nothing.
      const [tick] = await claimMine(id, base + 2_000);
      expect(await store.complete(tick!, { outcomes: [{ outcome: 'fired', scheduledFor: base + 2_000 }], rearmAt: base + 3_000, arm: [retry(base + 9_999)] }, base + 2_001)).toBe(true);
      expect(await store.get(retryId)).toMatchObject({ dueAt: base + 3_500, attempts: 1 });
      const [r2] = await claimMine(retryId, base + 3_500);
      expect(await store.complete(r2!, { outcomes: [{ outcome: 'failed', scheduledFor: base, detail: { attempts: 3 } }] }, base + 3_501)).toBe(true);
      expect(await store.get(retryId)).toMatchObject({ state: 'done', outcome: 'failed' });
      expect(await store.outcomes(retryId)).toEqual([]);
      const log = (await store.outcomes(id)).sort((x, y) => x.scheduledFor - y.scheduledFor || x.at - y.at);
      expect(log.map((o) => [o.outcome, o.scheduledFor, o.node, o.detail ?? null])).toEqual([
        ['retrying', base, 'n2', { error: 'boom' }],
        ['failed', base, 'n1', { attempts: 3 }],
        ['fired', base + 2_000, 'n1', null],
      ]);
    });

    it('cancels a pending timer (alone or all of an owner) so it never fires', async () => {
      const p = `cancel-${tag()}-`;
      const base = t0 + 5_000_000;
      await store.schedule(once(`${p}one`, base), base);
      await store.schedule(once(`${p}s1`, base, { owner: `${p}saga` }), base);
      await store.schedule(once(`${p}s2`, base + 1, { owner: `${p}saga` }), base);
      expect(await store.cancel(`${p}one`, base)).toBe(true);
      expect(await store.cancel(`${p}one`, base)).toBe(false);
      expect(await store.cancel(`${p}missing`, base)).toBe(false);
      expect(await store.cancelOwner(`${p}saga`, base)).toBe(2);
      expect(await claimMine(p, base + 10)).toEqual([]);
      expect(await store.get(`${p}s2`)).toMatchObject({ state: 'cancelled', outcome: 'cancelled' });
      expect((await store.list({ owner: `${p}saga` })).map((t) => t.state)).toEqual(['cancelled', 'cancelled']);
    });

    it('matches an arrival that came BEFORE the wait was registered (lookback), at registration', async () => {
      const key = `tx-${tag()}`;
      const base = t0 + 6_000_000;
      const early = await store.deliver({ key, payload: { confirmations: 12 }, arrivalId: `${key}-1` }, base);
      expect(early).toMatchObject({ duplicate: false, arrival: { status: 'stored', arrivedAt: base } });
      const reg = await store.schedule(wait(`w-${key}`, key, base + 600_000), base + 1_000);
      expect(reg.created).toBe(true);
      expect(reg.timer.match).toEqual({ arrivalId: `${key}-1`, payload: { confirmations: 12 }, arrivedAt: base });
      const [c] = await claimMine(`w-${key}`, base + 1_000);
      expect(c).toMatchObject({ reason: 'matched', handler: 'onMatch', deadline: base + 600_000 });
      expect((await store.arrivals(key))[0]).toMatchObject({ status: 'matched', timerId: `w-${key}` });
    });

    it('does not match an early arrival older than the lookback, nor one another wait already took', async () => {
      const key = `old-${tag()}`;
      const base = t0 + 7_000_000;
      await store.deliver({ key, payload: 1, arrivalId: `${key}-1` }, base);
      const reg = await store.schedule(wait(`w1-${key}`, key, base + 600_000, 5_000), base + 10_000);
      expect(reg.timer.match).toBeUndefined();
      const fresh = `fresh-${tag()}`;
      await store.deliver({ key: fresh, payload: 2, arrivalId: `${fresh}-1` }, base);
      expect((await store.schedule(wait(`w1-${fresh}`, fresh, base + 600_000), base + 1)).timer.match?.payload).toBe(2);
      expect((await store.schedule(wait(`w2-${fresh}`, fresh, base + 600_000), base + 2)).timer.match).toBeUndefined();
    });

    it('matches an arrival DURING the wait, and records one AFTER the deadline as late without applying it', async () => {
      const key = `during-${tag()}`;
      const base = t0 + 8_000_000;
      await store.schedule(wait(`w-${key}`, key, base + 600_000), base);
      expect(await claimMine(`w-${key}`, base + 100)).toEqual([]);
      const during = await store.deliver({ key, payload: { ok: true }, arrivalId: `${key}-a` }, base + 200);
      expect(during.arrival).toMatchObject({ status: 'matched', timerId: `w-${key}` });
      const [m] = await claimMine(`w-${key}`, base + 200);
      expect(m).toMatchObject({ reason: 'matched', match: { arrivalId: `${key}-a`, payload: { ok: true }, arrivedAt: base + 200 } });

      const late = `late-${tag()}`;
      await store.schedule(wait(`w-${late}`, late, base + 1_000), base);
      // Past the deadline but before the timeout has been processed: still late, the deadline wins.
      const beforeTimeout = await store.deliver({ key: late, payload: 'x', arrivalId: `${late}-1` }, base + 1_000);
      expect(beforeTimeout.arrival).toMatchObject({ status: 'late', timerId: `w-${late}` });
      const [t] = await claimMine(`w-${late}`, base + 1_001);
      expect(t?.reason).toBe('timeout');
      expect(await store.complete(t!, { outcomes: [{ outcome: 'timeout', scheduledFor: base + 1_000 }] }, base + 1_002)).toBe(true);
      const afterTimeout = await store.deliver({ key: late, payload: 'y', arrivalId: `${late}-2` }, base + 5_000);
      expect(afterTimeout.arrival).toMatchObject({ status: 'late', timerId: `w-${late}` });
      expect(await store.get(`w-${late}`)).toMatchObject({ state: 'done', outcome: 'timeout' });
      expect((await store.get(`w-${late}`))?.match).toBeUndefined();
      expect((await store.arrivals(late)).map((a) => a.status)).toEqual(['late', 'late']);
    });

    it('stores a redelivered arrival (same arrival id) once and reports the first result', async () => {
      const key = `dup-${tag()}`;
      const base = t0 + 9_000_000;
      await store.schedule(wait(`w-${key}`, key, base + 600_000), base);
      const first = await store.deliver({ key, payload: 1, arrivalId: 'same' + key }, base + 1);
      const second = await store.deliver({ key, payload: 2, arrivalId: 'same' + key }, base + 2);
      expect(first.duplicate).toBe(false);
      expect(second).toMatchObject({ duplicate: true, arrival: { status: 'matched', payload: 1, arrivedAt: base + 1 } });
      expect(await store.arrivals(key)).toHaveLength(1);
    });

    it('matches a condition wait once, only before its deadline and only while not claimed', async () => {
      const base = t0 + 10_000_000;
      const id = `cond-${tag()}`;
      await store.schedule({ id, kind: 'condition', handler: 'alert', timeoutHandler: 'gaveUp', dueAt: base + 1_000, waitKey: `hf:${id}`, payload: null }, base);
      expect((await store.list({ kind: 'condition', waitKey: `hf:${id}`, state: 'pending' })).map((t) => t.id)).toEqual([id]);
      expect(await store.match(id, { arrivalId: 'e1', payload: { hf: 1.05 }, arrivedAt: base + 10 }, base + 10)).toBe(true);
      expect(await store.match(id, { arrivalId: 'e2', payload: { hf: 1.0 }, arrivedAt: base + 20 }, base + 20)).toBe(false);
      const [c] = await claimMine(id, base + 20);
      expect(c).toMatchObject({ reason: 'matched', match: { payload: { hf: 1.05 } } });
      const late = `cond-late-${tag()}`;
      await store.schedule({ id: late, kind: 'condition', handler: 'alert', dueAt: base + 1_000, waitKey: `hf:${late}`, payload: null }, base);
      expect(await store.match(late, { arrivalId: 'e3', payload: null, arrivedAt: base + 1_000 }, base + 1_000)).toBe(false);
      expect(await store.match(`missing-${tag()}`, { arrivalId: 'e4', payload: null, arrivedAt: base }, base)).toBe(false);
    });

    it('reports the next due time, counting a claimed timer at the end of its lease', async () => {
      // Run last in a fresh store view: earlier cases leave pending timers, so only compare relative order.
      const base = t0 - 1_000_000_000;
      const id = `next-${tag()}`;
      await store.schedule(once(id, base), base);
      expect(await store.nextDueAt()).toBe(base);
      const [c] = await claimMine(id, base, 'n1', 500);
      expect(c?.id).toBe(id);
      expect(await store.nextDueAt()).not.toBe(base);
      await store.complete(c!, { outcomes: [{ outcome: 'fired', scheduledFor: base }] }, base + 1);
    });

    it('claims one-offs and cron ahead of time when asked, leased from their due time, but never a wait before its deadline', async () => {
      const p = `ahead-${tag()}-`;
      const base = t0 + 11_000_000;
      await store.schedule(once(`${p}once`, base + 100), base);
      await store.schedule({ id: `${p}cron`, kind: 'cron', handler: 'tick', dueAt: base + 200, payload: null, cron: '* * * * * *', timezone: 'UTC', misfire: 'skip' }, base);
      await store.schedule(wait(`${p}wait`, `k-${p}`, base + 150), base);
      await store.schedule(once(`${p}far`, base + 5_000), base);
      // Earlier cases leave due timers behind: take them out of the way first.
      await store.claimDue('sweeper', base, 60_000, 100_000);
      const early = (await store.claimDue('n1', base, 1_000, 100, { prefetchUntil: base + 300 })).filter((c) => c.id.startsWith(p));
      expect(early.map((c) => [c.id, c.claimedUntil, c.reason])).toEqual([
        [`${p}once`, base + 100 + 1_000, 'due'],
        [`${p}cron`, base + 200 + 1_000, 'due'],
      ]);
      // The wait is still open to an arrival until its deadline, and is claimed only once due.
      expect((await store.deliver({ key: `k-${p}`, payload: 1, arrivalId: `${p}a` }, base + 140)).arrival.status).toBe('matched');
      expect((await claimMine(`${p}wait`, base + 140)).map((c) => c.reason)).toEqual(['matched']);
      // Held from its due time: another node cannot take the prefetched one before due + lease.
      expect(await claimMine(`${p}once`, base + 1_050, 'n2')).toEqual([]);
      expect((await claimMine(`${p}once`, base + 1_101, 'n2')).map((c) => c.claimedBy)).toEqual(['n2']);
    });

    it('completes many claims in one step, and only those still held', async () => {
      const p = `many-${tag()}-`;
      const base = t0 + 12_000_000;
      await store.schedule(once(`${p}lost`, base), base);
      const short = await claimMine(p, base, 'n1', 1_000);
      await store.schedule(once(`${p}a`, base), base);
      await store.schedule(once(`${p}b`, base), base);
      await store.schedule({ id: `${p}cron`, kind: 'cron', handler: 'tick', dueAt: base, payload: null, cron: '* * * * * *', timezone: 'UTC', misfire: 'skip' }, base);
      const claims = [...short, ...(await claimMine(p, base, 'n1', 10_000))];
      const byId = new Map(claims.map((c) => [c.id.slice(p.length), c]));
      expect([...byId.keys()].sort()).toEqual(['a', 'b', 'cron', 'lost']);
      // `lost` lapses and another node takes it before the batch lands.
      const [taken] = await claimMine(`${p}lost`, base + 1_001, 'n2');
      expect(taken?.claimedBy).toBe('n2');
      const done = await store.completeMany(
        [
          { claim: byId.get('a')!, input: { outcomes: [{ outcome: 'fired', scheduledFor: base }] } },
          { claim: byId.get('lost')!, input: { outcomes: [{ outcome: 'fired', scheduledFor: base }] } },
          { claim: byId.get('cron')!, input: { outcomes: [{ outcome: 'fired', scheduledFor: base }], rearmAt: base + 1_000 } },
          { claim: byId.get('b')!, input: { outcomes: [{ outcome: 'failed', scheduledFor: base, detail: { error: 'x' } }] } },
        ],
        base + 1_002,
      );
      expect(done).toEqual([true, false, true, true]);
      expect(await store.get(`${p}a`)).toMatchObject({ state: 'done', outcome: 'fired' });
      expect(await store.get(`${p}b`)).toMatchObject({ state: 'done', outcome: 'failed' });
      expect(await store.get(`${p}cron`)).toMatchObject({ state: 'pending', dueAt: base + 1_000 });
      expect(await store.get(`${p}lost`)).toMatchObject({ state: 'pending', claimedBy: 'n2' });
      expect(await store.outcomes(`${p}lost`)).toEqual([]);
      expect((await store.outcomes(`${p}b`))[0]).toMatchObject({ outcome: 'failed', node: 'n1', at: base + 1_002, detail: { error: 'x' } });
      expect(await store.completeMany([], base)).toEqual([]);
    });

    it('renews the lease of a claim still held, so a long run is not taken over; a lost claim is not renewed', async () => {
      const p = `renew-${tag()}-`;
      const base = t0 + 13_000_000;
      await store.schedule(once(`${p}long`, base), base);
      await store.schedule(once(`${p}gone`, base), base);
      const claims = await claimMine(p, base, 'n1', 1_000);
      const gone = claims.find((c) => c.id === `${p}gone`)!;
      expect(await store.cancel(`${p}gone`, base + 10)).toBe(true);
      expect((await store.renew(claims, base + 800, 1_000)).sort()).toEqual([`${p}long`]);
      // Past the first lease, within the renewed one: nobody else may take it.
      expect(await claimMine(`${p}long`, base + 1_500, 'n2')).toEqual([]);
      expect(await store.get(`${p}long`)).toMatchObject({ claimedBy: 'n1', claimedUntil: base + 1_800 });
      // Renewing never shortens a lease.
      await store.renew(claims, base + 100, 10);
      expect((await store.get(`${p}long`))?.claimedUntil).toBe(base + 1_800);
      expect((await claimMine(`${p}long`, base + 1_801, 'n2')).map((c) => c.claimedBy)).toEqual(['n2']);
      expect(await store.renew([gone], base + 2_000, 1_000)).toEqual([]);
      expect(await store.renew([], base, 1_000)).toEqual([]);
    });

    it('releases unfired claims so another node can take them at once', async () => {
      const id = `release-${tag()}`;
      const base = t0 + 14_000_000;
      await store.schedule(once(id, base + 100), base);
      await store.claimDue('sweeper', base, 60_000, 100_000);
      const [c] = (await store.claimDue('n1', base, 10_000, 100, { prefetchUntil: base + 200 })).filter((x) => x.id === id);
      expect(c?.id).toBe(id);
      await store.release([c!]);
      expect((await claimMine(id, base + 100, 'n2')).map((x) => x.claimedBy)).toEqual(['n2']);
      // A stale holder's release changes nothing.
      await store.release([c!]);
      expect(await store.get(id)).toMatchObject({ claimedBy: 'n2' });
    });

    it('announces to watchers a timer armed to fire soon and a claim taken away (by token), not one due far ahead', async () => {
      if (!store.watch) return;
      const due: number[] = [];
      const dropped: string[] = [];
      const stop = await store.watch({ due: (d) => due.push(d), dropped: (id) => dropped.push(id) });
      try {
        const p = `watch-${tag()}-`;
        // Wall-clock-free: only the gap between registration and due time matters.
        const base = t0 + 15_000_000 + Math.floor(Math.random() * 1_000_000);
        await store.schedule(once(`${p}far`, base + 60_000), base);
        await store.schedule(once(`${p}soon`, base + 300), base);
        await store.schedule(once(`${p}held`, base + 500), base);
        await store.schedule({ id: `${p}job`, kind: 'cron', handler: 'tick', dueAt: base + 500, payload: null, cron: '* * * * * *', timezone: 'UTC', misfire: 'skip' }, base);
        await store.claimDue('sweeper', base, 60_000, 100_000);
        const mine = (await store.claimDue('n1', base, 10_000, 100, { prefetchUntil: base + 500 })).filter((c) => c.id.startsWith(p));
        const held = mine.find((c) => c.id === `${p}held`);
        const job = mine.find((c) => c.id === `${p}job`);
        expect([held?.id, job?.id]).toEqual([`${p}held`, `${p}job`]);
        await store.cancel(`${p}held`, base + 1);
        // A changed definition replaces the claimed job: its claim is taken away too.
        await store.replace({ id: `${p}job`, kind: 'cron', handler: 'tock', dueAt: base + 1_000, payload: null, cron: '* * * * * *', timezone: 'UTC', misfire: 'skip' }, base + 2);
        const wanted = [held!.claimToken, job!.claimToken];
        const deadline = Date.now() + 5_000;
        while (!(due.includes(base + 300) && wanted.every((t) => dropped.includes(t))) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        expect(due).toContain(base + 300);
        expect(due).not.toContain(base + 60_000);
        expect(dropped).toEqual(expect.arrayContaining(wanted));
      } finally {
        await stop();
      }
    });

    it('gives each due timer to exactly one of many concurrent claimers', async () => {
      const p = `race-${tag()}-`;
      const base = t0 - 2_000_000_000;
      const n = 60;
      for (let i = 0; i < n; i++) await store.schedule(once(`${p}${String(i).padStart(3, '0')}`, base + i), base);
      const claims = await Promise.all(
        Array.from({ length: 6 }, (_, k) => store.claimDue(`node-${k}`, base + n, 10_000, 15)),
      );
      const ids = claims.flat().map((c) => c.id).filter((id) => id.startsWith(p));
      expect(new Set(ids).size).toBe(ids.length);
      const rest = await claimMine(p, base + n, 'sweeper');
      expect(ids.length + rest.length).toBe(n);
    });
  });
}
