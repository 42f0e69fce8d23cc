// The one contract suite every Transport implementation must pass; each implementation's spec calls it.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadReport } from '@lucent/core';
import type { RemoteCall, RemoteReply, Transport } from './transport.js';

export interface TransportPair {
  /** The side that sends calls and hears reports. */
  readonly caller: Transport;
  /** The side that serves shards and publishes reports (may be the same object). */
  readonly server: Transport;
  close(): Promise<void>;
}

const call = (over: Partial<RemoteCall> = {}): RemoteCall => ({
  name: 'risk.echo',
  input: { n: 1 },
  deadline: Date.now() + 5_000,
  correlationId: `corr-${randomBytes(4).toString('hex')}`,
  attempt: 1,
  ...over,
});

const report = (shardId: string, sequence: number): LoadReport => ({
  shardId,
  tags: ['aave'],
  functions: { 'risk.echo': { versions: ['1.0.0'], enabled: true, latencyEwmaMs: 1.5, calls: 3, errors: 0 } },
  cpu: 0.1,
  memoryMb: 80,
  memoryFraction: 0.05,
  eventLoopLagMs: 0.4,
  inFlight: 0,
  sequence,
  sentAt: Date.now(),
  startedAt: Date.now() - 1_000,
  intervalMs: 1_000,
});

const until = async (check: () => boolean, ms = 3_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
};

export function transportContract(name: string, makePair: () => Promise<TransportPair>): void {
  describe(`Transport contract: ${name}`, () => {
    let pair: TransportPair;
    const tag = randomBytes(3).toString('hex');
    const shard = (n: string): string => `s${tag}-${n}`;
    beforeAll(async () => {
      pair = await makePair();
    });
    afterAll(async () => {
      await pair.close();
    });

    it('delivers the whole call to the shard and returns its reply with output and events', async () => {
      const seen: RemoteCall[] = [];
      const served = await pair.server.serve(shard('echo'), (c) => {
        seen.push(c);
        return Promise.resolve({ ok: true, output: { echoed: c.input }, events: [{ type: 'Echoed', data: { by: 'a' } }] });
      });
      const sent = call({
        version: '1.2.0',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        causationId: 'cause-1',
        attempt: 2,
        business: { userId: 'u-1', jurisdiction: 'DE' },
        now: 1_700_000_000_000,
        input: { n: 42, nested: { list: [1, 'two', null] } },
      });
      const reply = await pair.caller.request(shard('echo'), sent, Date.now() + 3_000);
      expect(reply).toEqual({ ok: true, output: { echoed: sent.input }, events: [{ type: 'Echoed', data: { by: 'a' } }] });
      expect(seen).toEqual([sent]);
      await served.close();
    });

    it('returns a function error as a reply, code and details intact', async () => {
      const error = { code: 'RULE_VIOLATED' as const, message: 'borrow exceeds collateral', details: { rule: 'ltv', max: 0.8 } };
      const served = await pair.server.serve(shard('err'), () => Promise.resolve({ ok: false, error }));
      const reply = await pair.caller.request(shard('err'), call(), Date.now() + 3_000);
      expect(reply).toEqual({ ok: false, error });
      await served.close();
    });

    it('rejects with UNAVAILABLE at once when nobody serves the shard', async () => {
      const started = Date.now();
      await expect(pair.caller.request(shard('nobody'), call(), Date.now() + 3_000)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      expect(Date.now() - started).toBeLessThan(1_500);
    });

    it('rejects with DEADLINE_EXCEEDED at the wait limit when the shard never answers', async () => {
      const served = await pair.server.serve(shard('mute'), () => new Promise<RemoteReply>(() => {}));
      const started = Date.now();
      await expect(pair.caller.request(shard('mute'), call(), started + 300)).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
      const waited = Date.now() - started;
      expect(waited).toBeGreaterThanOrEqual(290);
      expect(waited).toBeLessThan(1_500);
      await served.close();
    });

    it('gives each waiting call its own wait limit, however many are out', async () => {
      const served = await pair.server.serve(shard('mute2'), () => new Promise<RemoteReply>(() => {}));
      const started = Date.now();
      const settledAt = (p: Promise<RemoteReply>): Promise<{ code: unknown; after: number }> =>
        p.then(
          () => ({ code: 'replied', after: Date.now() - started }),
          (e: { code?: unknown }) => ({ code: e.code, after: Date.now() - started }),
        );
      // The later limit is sent first: a shared timer must re-arm for the earlier one.
      const late = settledAt(pair.caller.request(shard('mute2'), call(), started + 700));
      const early = settledAt(pair.caller.request(shard('mute2'), call(), started + 200));
      const [e, l] = await Promise.all([early, late]);
      expect(e.code).toBe('DEADLINE_EXCEEDED');
      expect(l.code).toBe('DEADLINE_EXCEEDED');
      expect(e.after).toBeGreaterThanOrEqual(190);
      expect(l.after).toBeGreaterThanOrEqual(690);
      expect(e.after).toBeLessThan(l.after);
      await served.close();
    });

    it('fails the calls waiting on an abandoned shard at once, and only those', async () => {
      const mute = await pair.server.serve(shard('gone'), () => new Promise<RemoteReply>(() => {}));
      let release: (() => void) | undefined;
      const slow = await pair.server.serve(
        shard('stays'),
        () => new Promise<RemoteReply>((r) => (release = () => r({ ok: true, output: 'still here', events: [] }))),
      );
      const started = Date.now();
      const waiting = Array.from({ length: 3 }, () => pair.caller.request(shard('gone'), call(), started + 5_000));
      const other = pair.caller.request(shard('stays'), call(), started + 5_000);
      // Abandon only once both shards have the calls, as a caller does when reports stop.
      await until(() => release !== undefined);
      pair.caller.abandon(shard('gone'), new Error('it stopped reporting'));
      for (const w of waiting) await expect(w).rejects.toThrow('it stopped reporting');
      expect(Date.now() - started).toBeLessThan(3_000);
      release!();
      await expect(other).resolves.toEqual({ ok: true, output: 'still here', events: [] });
      await mute.close();
      await slow.close();
    });

    it('stops delivering to a shard once its serving is closed', async () => {
      const served = await pair.server.serve(shard('closing'), () => Promise.resolve({ ok: true, output: 1, events: [] }));
      await expect(pair.caller.request(shard('closing'), call(), Date.now() + 3_000)).resolves.toMatchObject({ ok: true });
      await served.close();
      await expect(pair.caller.request(shard('closing'), call(), Date.now() + 3_000)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    });

    it('matches each reply to its call when many are in flight on several shards', async () => {
      const slowly = (id: string) => (c: RemoteCall) =>
        new Promise<RemoteReply>((r) =>
          setTimeout(() => r({ ok: true, output: { shard: id, n: (c.input as { n: number }).n }, events: [] }), (c.input as { n: number }).n % 7),
        );
      const a = await pair.server.serve(shard('a'), slowly('a'));
      const b = await pair.server.serve(shard('b'), slowly('b'));
      const replies = await Promise.all(
        Array.from({ length: 200 }, (_, n) => pair.caller.request(shard(n % 2 ? 'b' : 'a'), call({ input: { n } }), Date.now() + 5_000)),
      );
      replies.forEach((r, n) => expect(r).toEqual({ ok: true, output: { shard: n % 2 ? 'b' : 'a', n }, events: [] }));
      await a.close();
      await b.close();
    });

    it('delivers calls sent in the same turn each whole, and answers each in its own time', async () => {
      const seen: RemoteCall[] = [];
      const served = await pair.server.serve(shard('burst'), (c) => {
        seen.push(c);
        const input = c.input as { n: number; slow?: boolean; fail?: boolean };
        if (input.fail) return Promise.resolve({ ok: false, error: { code: 'RULE_VIOLATED', message: `no ${input.n}` } });
        const reply: RemoteReply = { ok: true, output: { n: input.n, by: c.correlationId }, events: [] };
        return input.slow ? new Promise((r) => setTimeout(() => r(reply), 600)) : Promise.resolve(reply);
      });
      // Optional fields on some calls only, a correlation id with spaces, one slow call, one failing.
      const sent = Array.from({ length: 12 }, (_, n) =>
        call({
          input: { n, ...(n === 3 ? { slow: true } : {}), ...(n === 5 ? { fail: true } : {}) },
          correlationId: n === 7 ? `id with spaces ${tag}` : `corr-${tag}-${n}`,
          attempt: 1 + (n % 3),
          ...(n % 2 === 0 ? { version: `1.${n}.0`, traceparent: `00-0af7651916cd43dd8448eb211c80319c-b7ad6b71692033${10 + n}-01` } : {}),
          ...(n % 4 === 1 ? { business: { userId: `u-${n}`, riskLevel: 'high' as const }, causationId: `cause-${n}` } : {}),
          ...(n % 3 === 0 ? { now: 1_700_000_000_000 + n } : {}),
        }),
      );
      const started = Date.now();
      const settled = sent.map((c) =>
        pair.caller.request(shard('burst'), c, started + 5_000).then((reply) => ({ reply, after: Date.now() - started })),
      );
      const results = await Promise.all(settled);
      results.forEach(({ reply }, n) => {
        if (n === 5) expect(reply).toEqual({ ok: false, error: { code: 'RULE_VIOLATED', message: 'no 5' } });
        else expect(reply).toEqual({ ok: true, output: { n, by: sent[n]!.correlationId }, events: [] });
      });
      // The slow call held back none of the others sent with it.
      for (const [n, r] of results.entries()) if (n !== 3) expect(r.after).toBeLessThan(results[3]!.after - 300);
      const byId = (a: RemoteCall, b: RemoteCall): number => a.correlationId.localeCompare(b.correlationId);
      expect([...seen].sort(byId)).toEqual([...sent].sort(byId));
      await served.close();
    });

    it('carries load reports to every listener until it unsubscribes', async () => {
      const heard: LoadReport[] = [];
      const stop = pair.caller.onLoad((r) => {
        if (r.shardId === shard('rep')) heard.push(r);
      });
      // A subscription over a network is in place a moment after `onLoad`: report until one is heard.
      let sequence = 0;
      await until(() => {
        if (heard.length === 0) pair.server.publishLoad(report(shard('rep'), ++sequence));
        return heard.length > 0;
      }, 5_000);
      const { sentAt: _sent, startedAt: _started, sequence: _seq, ...stable } = report(shard('rep'), 1);
      expect(heard[0]).toMatchObject(stable);
      await new Promise((r) => setTimeout(r, 100));
      const before = heard.length;
      stop();
      pair.server.publishLoad(report(shard('rep'), ++sequence));
      await new Promise((r) => setTimeout(r, 200));
      expect(heard.length).toBe(before);
    });
  });
}
