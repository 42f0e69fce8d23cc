import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFunction, FunctionFailedError } from '@lucent/core';
import { FunctionManager } from '../functionManager/functionManager.js';
import type { RemoteCall, RemoteReply } from '../transport/transport.js';
import { InProcessTransport } from '../transport/inProcessTransport.js';
import { LucentMetrics } from '../observability/metrics.js';
import { Chaos, chaosAllowed, chaosError, isChaosFault, type InjectedFault } from './chaos.js';
import { chaosOutcome, parseChaosDocument, withChaosFault } from './chaosDocument.js';
import { ChaosInvoker } from './chaosInvoker.js';
import { chaosTransport } from './chaosTransport.js';
import { GuardedInvoker } from './guardedInvoker.js';
import { isTransient } from './failureKinds.js';
import { Resilience } from './resilience.js';

const outcome = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code: string }) => e.code);
const call = (name: string, deadline = Date.now() + 1_000): RemoteCall => ({ name, input: {}, deadline, correlationId: 'c', attempt: 1 });

describe('chaos document', () => {
  it('names each bad field, and refuses rates that add up past 1 (they share one draw)', () => {
    expect(() => parseChaosDocument({ functions: { quote: { errorRate: 1.5, latencyMs: -1, flaky: true } }, nodes: {} })).toThrow(
      expect.objectContaining({
        issues: expect.arrayContaining([
          { path: 'nodes', message: expect.stringContaining('not a chaos field') },
          { path: 'functions.quote.flaky', message: expect.stringContaining('not a fault') },
          { path: 'functions.quote.latencyMs', message: expect.stringContaining('ms') },
          { path: 'functions.quote.errorRate', message: expect.stringContaining('between 0 and 1') },
        ]),
      }),
    );
    expect(() => parseChaosDocument({ shards: { s1: { errorRate: 0.6, dropRate: 0.6 } } })).toThrow(/add up to 1/);
  });

  it('one draw picks error, timeout or drop by their shares of the line; unreachable always', () => {
    const f = { errorRate: 0.2, timeoutRate: 0.1, dropRate: 0.1 };
    expect([0, 0.19, 0.2, 0.29, 0.31, 0.39, 0.41, 0.99].map((u) => chaosOutcome(f, u))).toEqual(['error', 'error', 'timeout', 'timeout', 'drop', 'drop', undefined, undefined]);
    expect(chaosOutcome({ unreachable: true }, 0.99)).toBe('unreachable');
  });

  it('set merges into the target entry; clear removes it, and an empty table goes', () => {
    const one = withChaosFault({}, 'function', 'quote', { errorRate: 0.2 });
    expect(withChaosFault(one, 'function', 'quote', { latencyMs: 50 })).toEqual({ functions: { quote: { errorRate: 0.2, latencyMs: 50 } } });
    expect(withChaosFault(one, 'function', 'quote', undefined)).toEqual({});
  });
});

describe('Chaos', () => {
  it('is refused in production unless LUCENT_CHAOS_ALLOWED=1; switching it off always passes', () => {
    expect(chaosAllowed({ NODE_ENV: 'production' })).toBe(false);
    expect(chaosAllowed({ NODE_ENV: 'production', LUCENT_CHAOS_ALLOWED: '1' })).toBe(true);
    expect(chaosAllowed({})).toBe(true);
    const chaos = new Chaos({ allowed: false });
    expect(() => chaos.update({ functions: { quote: { errorRate: 0.2 } } })).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    expect(chaos.active).toBe(false);
    chaos.update({});
    expect(chaos.active).toBe(false);
  });

  it('an unreachable dependency fails at once without running the work; the breaker opens on it and the policy retries injected errors', async () => {
    const chaos = new Chaos({ document: { dependencies: { 'exchange-feed': { unreachable: true } } } });
    const resilience = new Resilience({ dependencies: { 'exchange-feed': { retry: false, circuit: { consecutiveFailures: 3, failureRate: false } } } }, { chaos });
    let ran = 0;
    const feed = resilience.dependency('exchange-feed');
    for (let i = 0; i < 3; i++) expect(await outcome(feed.execute(() => ran++))).toBe('UNAVAILABLE');
    expect(ran).toBe(0);
    expect(feed.state).toBe('open');

    // Half the attempts fail by injection (alternating draws); two retries make every call succeed.
    let n = 0;
    const flaky = new Chaos({ document: { dependencies: { chain: { errorRate: 0.5 } } }, random: () => (n++ % 2 === 0 ? 0.1 : 0.9) });
    const chain = new Resilience({ dependencies: { chain: { retry: { retries: 2, initialDelayMs: 1 }, circuit: false } } }, { chaos: flaky }).dependency('chain');
    for (let i = 0; i < 5; i++) expect(await chain.execute(() => 'answer')).toBe('answer');
  });

  it('a dependency timeout holds the attempt until the policy times it out (DEADLINE_EXCEEDED, retried as transient)', async () => {
    const chaos = new Chaos({ document: { dependencies: { redis: { timeoutRate: 1 } } } });
    const redis = new Resilience({ dependencies: { redis: { timeoutMs: 30, retry: false, circuit: false } } }, { chaos }).dependency('redis');
    const started = Date.now();
    expect(await outcome(redis.execute(() => 'never'))).toBe('DEADLINE_EXCEEDED');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('on a served call: latency, an injected error (transient, marked), a dropped reply; every fault counted in lucent_chaos_faults_total', async () => {
    const metrics = new LucentMetrics({ processMetrics: false });
    const faults: InjectedFault[] = [];
    const chaos = new Chaos({ document: { functions: { quote: { errorRate: 1 } }, shards: { s1: { latencyMs: 40 } } } });
    chaos.onFault((f) => faults.push(f));
    metrics.chaos(chaos);
    const transport = chaosTransport(new InProcessTransport(), chaos);
    let ran = 0;
    await transport.serve('s1', async (): Promise<RemoteReply> => (ran++, { ok: true, output: 1, events: [] }));

    const started = Date.now();
    const reply = await transport.request('s1', call('quote'), Date.now() + 1_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
    expect(reply).toMatchObject({ ok: false, error: { code: 'FUNCTION_FAILED', details: { chaos: 'error', scope: 'function', target: 'quote' } } });
    expect(ran).toBe(0);
    expect(faults).toEqual([
      { scope: 'function', target: 'quote', fault: 'error' },
      { scope: 'shard', target: 's1', fault: 'latency' },
    ]);

    chaos.update({ functions: { quote: { dropRate: 1 } } });
    expect(await outcome(transport.request('s1', call('quote'), Date.now() + 100))).toBe('DEADLINE_EXCEEDED');
    expect(ran).toBe(1);
    chaos.update({});
    expect(await transport.request('s1', call('quote'), Date.now() + 1_000)).toMatchObject({ ok: true });

    const text = await metrics.render();
    expect(text).toContain('lucent_chaos_faults_total{scope="function",target="quote",fault="error"} 1');
    expect(text).toContain('lucent_chaos_faults_total{scope="function",target="quote",fault="drop"} 1');
    expect(text).toContain('lucent_chaos_faults_total{scope="shard",target="s1",fault="latency"} 1');
    await transport.close();
  });

  it('an injected error is recognised and retried as transient, unlike a function failure of its own', () => {
    const injected = chaosError('function', 'quote', 'quote');
    expect(isChaosFault(injected)).toBe(true);
    expect(isTransient(injected)).toBe(true);
    expect(isTransient(new FunctionFailedError('quote', new Error('bug')))).toBe(false);
  });
});

describe('ChaosInvoker (functions run in this process)', () => {
  let ran = 0;
  const quote = defineFunction({ name: 'test.quote', version: '1.0.0', input: z.object({}), output: z.object({ n: z.number() }) }, () => ({ n: ++ran }));
  const manager = new FunctionManager().register(quote);

  it("meets the function's faults, not the shards' ones; a retry policy over it sees the answer", async () => {
    let n = 0;
    const chaos = new Chaos({ document: { functions: { 'test.quote': { errorRate: 0.5 } }, shards: { '*': { unreachable: true } } }, random: () => (n++ % 2 === 0 ? 0.1 : 0.9) });
    const invoker = new ChaosInvoker(manager, chaos);
    expect(await outcome(invoker.invoke('test.quote', {}))).toBe('FUNCTION_FAILED');
    expect(await outcome(invoker.invoke('test.quote', {}))).toBe('ok');
    const resilience = new Resilience({ functions: { 'test.quote': { retry: { retries: 2, initialDelayMs: 1 }, circuit: false } } });
    const guarded = new GuardedInvoker(invoker, { resilience });
    for (let i = 0; i < 4; i++) expect(await outcome(guarded.invoke('test.quote', {}))).toBe('ok');
  });

  it('a dropped answer runs the function and then holds the call until its timeout', async () => {
    const invoker = new ChaosInvoker(manager, new Chaos({ document: { functions: { 'test.quote': { dropRate: 1 } } } }));
    const before = ran;
    const started = Date.now();
    const error = await invoker.invoke('test.quote', {}, { timeoutMs: 40 }).catch((e: { code: string; details: Record<string, unknown> }) => e);
    expect(error).toMatchObject({ code: 'DEADLINE_EXCEEDED', details: { chaos: 'drop' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
    expect(ran).toBe(before + 1);
  });
});
