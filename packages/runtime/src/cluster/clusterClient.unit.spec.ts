// Shards and the cluster client over the embedded transport: routing, typed errors, failover, deadlines, breakers.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  DeadlineExceededError,
  FunctionNotFoundError,
  RuleViolationError,
  ValidationError,
  defineFunction,
  functionMap,
  thresholdRule,
  type LoadReport,
} from '@lucent/core';
import { FunctionManager } from '../functionManager/functionManager.js';
import { InProcessTransport } from '../transport/inProcessTransport.js';
import type { RemoteReply } from '../transport/transport.js';
import { ClusterClient } from './clusterClient.js';
import { Shard } from './shard.js';

const healthFactor = defineFunction(
  {
    name: 'risk.healthFactor',
    version: '1.0.0',
    input: z.object({ collateralUsd: z.number().nonnegative(), debtUsd: z.number().nonnegative() }),
    output: z.object({ healthFactor: z.number(), shard: z.string() }),
  },
  (input, ctx) => {
    if (input.debtUsd > input.collateralUsd * 10) throw new RuleViolationError('leverage', 'debt is more than ten times the collateral');
    ctx.emit({ type: 'HealthChecked', data: { at: ctx.now() } });
    return { healthFactor: input.debtUsd === 0 ? 99 : input.collateralUsd / input.debtUsd, shard: ctx.shard.id };
  },
);
const registry = functionMap(healthFactor);

interface Cluster {
  transport: InProcessTransport;
  shards: Shard[];
  client: ClusterClient;
  stop(): Promise<void>;
}

async function cluster(ids: string[], clientOptions: Partial<ConstructorParameters<typeof ClusterClient>[0]> = {}): Promise<Cluster> {
  const transport = new InProcessTransport();
  const client = new ClusterClient({ transport, functions: registry, ...clientOptions });
  const shards = ids.map(
    (id) =>
      new Shard({
        id,
        tags: [id],
        transport,
        reportIntervalMs: 200,
        functions: new FunctionManager({ shard: { id, load: 0, peers: [] } }).register(registry),
      }),
  );
  await Promise.all(shards.map((s) => s.start()));
  await client.ready(ids.length, 2_000);
  return {
    transport,
    shards,
    client,
    stop: async () => {
      await Promise.all(shards.map((s) => s.stop(100)));
      await client.close();
      await transport.close();
    },
  };
}

/** A shard that reports itself healthy but never answers: what a hung or partitioned process looks like. */
async function muteShard(transport: InProcessTransport, id: string): Promise<() => void> {
  await transport.serve(id, () => new Promise<RemoteReply>(() => {}));
  const report = (sequence: number): LoadReport => ({
    shardId: id,
    tags: [],
    functions: { 'risk.healthFactor': { versions: ['1.0.0'], enabled: true, latencyEwmaMs: 0.01 } },
    cpu: 0,
    memoryMb: 50,
    memoryFraction: 0.01,
    eventLoopLagMs: 0,
    inFlight: 0,
    sequence,
    sentAt: Date.now(),
    startedAt: 1,
    intervalMs: 200,
  });
  let n = 0;
  transport.publishLoad(report(n++));
  const timer = setInterval(() => transport.publishLoad(report(n++)), 150);
  return () => clearInterval(timer);
}

const input = { collateralUsd: 30_000, debtUsd: 15_000 };

describe('ClusterClient over shards', () => {
  it('runs a call on a live shard and returns output and events checked against the contract', async () => {
    const c = await cluster(['a', 'b']);
    const invoke = c.client.typed<typeof registry>();
    const r = await invoke('risk.healthFactor', input, { timeoutMs: 2_000 });
    expect(r.output.healthFactor).toBe(2);
    expect(['a', 'b']).toContain(r.output.shard);
    expect(r.events).toEqual([{ type: 'HealthChecked', data: { at: expect.any(Number) } }]);
    await c.stop();
  });

  it('sends calls whose facts match a placement rule only to shards with the rule’s tag', async () => {
    const c = await cluster(['aave', 'whale'], { rules: [thresholdRule('whales', 'notional', 1_000_000, 'whale')] });
    const big = await Promise.all(
      Array.from({ length: 20 }, () => c.client.invoke('risk.healthFactor', input, { facts: { notional: 2_500_000 } })),
    );
    expect(new Set(big.map((r) => (r.output as { shard: string }).shard))).toEqual(new Set(['whale']));
    await c.stop();
  });

  it('rebuilds the shard’s typed error on the caller: same class, code and details', async () => {
    const c = await cluster(['a']);
    const failure = await c.client.invoke('risk.healthFactor', { collateralUsd: 1, debtUsd: 100 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RuleViolationError);
    expect(failure).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'leverage' } });
    await c.stop();
  });

  it('checks input on both sides: the caller refuses it before sending, and a shard refuses it when the caller does not check', async () => {
    const c = await cluster(['a']);
    await expect(c.client.invoke('risk.healthFactor', { collateralUsd: 'lots' })).rejects.toBeInstanceOf(ValidationError);
    const unchecked = new ClusterClient({ transport: c.transport, validate: false });
    await unchecked.ready(1, 2_000);
    const error = await unchecked.invoke('risk.healthFactor', { collateralUsd: 'lots' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toContain('collateralUsd');
    await unchecked.close();
    await c.stop();
  });

  it('answers an unknown function with FUNCTION_NOT_FOUND without waiting for the deadline', async () => {
    const c = await cluster(['a']);
    const started = Date.now();
    await expect(c.client.invoke('risk.nothingHere', {}, { timeoutMs: 3_000 })).rejects.toBeInstanceOf(FunctionNotFoundError);
    expect(Date.now() - started).toBeLessThan(1_000);
    await c.stop();
  });

  it('retries on another shard when the chosen one never answers, within the deadline', async () => {
    const c = await cluster(['good'], { attemptTimeoutMs: 100, breaker: { failures: 1_000 } });
    const stopMute = await muteShard(c.transport, 'mute');
    await c.client.ready(2, 2_000);
    const results = await Promise.all(
      Array.from({ length: 40 }, () => c.client.invoke('risk.healthFactor', input, { timeoutMs: 2_000 })),
    );
    expect(results.every((r) => (r.output as { shard: string }).shard === 'good')).toBe(true);
    stopMute();
    await c.stop();
  });

  it('gives up with DEADLINE_EXCEEDED at the deadline when no shard answers', async () => {
    const transport = new InProcessTransport();
    const client = new ClusterClient({ transport, functions: registry });
    const stopMute = await muteShard(transport, 'mute');
    await client.ready(1, 2_000);
    const started = Date.now();
    const error = await client.invoke('risk.healthFactor', input, { timeoutMs: 400 }).catch((e: unknown) => e);
    const waited = Date.now() - started;
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(waited).toBeGreaterThanOrEqual(390);
    expect(waited).toBeLessThan(1_000);
    stopMute();
    await client.close();
    await transport.close();
  });

  it('opens a shard’s circuit after repeated silence and stops sending it calls', async () => {
    // A 'prefer' rule sends every call to the mute shard while it is eligible, so only its breaker can stop that.
    const c = await cluster(['good'], {
      attemptTimeoutMs: 50,
      breaker: { failures: 3, halfOpenAfterMs: 60_000 },
      rules: [{ name: 'mute first', requireTags: ['mute'], mode: 'prefer' }],
    });
    let muteCalls = 0;
    await c.transport.serve('mute', () => {
      muteCalls++;
      return new Promise<RemoteReply>(() => {});
    });
    const report: LoadReport = {
      shardId: 'mute', tags: ['mute'], cpu: 0, memoryMb: 1, memoryFraction: 0, eventLoopLagMs: 0, inFlight: 0,
      functions: { 'risk.healthFactor': { versions: ['1.0.0'], enabled: true, latencyEwmaMs: 0.001 } },
      sequence: 0, sentAt: Date.now(), startedAt: 1, intervalMs: 60_000,
    };
    c.transport.publishLoad(report);
    await c.client.ready(2, 2_000);
    for (let i = 0; i < 30; i++) await c.client.invoke('risk.healthFactor', input, { timeoutMs: 2_000 });
    expect(muteCalls).toBe(3);
    await c.stop();
  });

  it('stops routing to a shard once it announces it is draining', async () => {
    const c = await cluster(['a', 'b']);
    await c.shards[0]!.stop(100);
    await new Promise((r) => setTimeout(r, 20));
    const results = await Promise.all(Array.from({ length: 20 }, () => c.client.invoke('risk.healthFactor', input)));
    expect(new Set(results.map((r) => (r.output as { shard: string }).shard))).toEqual(new Set(['b']));
    await c.stop();
  });

  it('gets the answers of the calls a draining shard was running (a graceful stop fails nothing over)', async () => {
    const c = await cluster(['only']);
    c.shards[0]!.setChaos({ extraDelayMs: 200 });
    const pending = Array.from({ length: 5 }, () => c.client.invoke('risk.healthFactor', input, { timeoutMs: 5_000 }));
    await new Promise((r) => setTimeout(r, 50));
    expect(c.shards[0]!.callsInFlight).toBe(5);
    const stopping = c.shards[0]!.stop(2_000);
    const results = await Promise.all(pending);
    expect(results.map((r) => (r.output as { shard: string }).shard)).toEqual(['only', 'only', 'only', 'only', 'only']);
    await stopping;
    await c.stop();
  });

  it('sends fewer calls to a shard made slower, once its reports show it', async () => {
    const c = await cluster(['fast1', 'fast2', 'slow']);
    c.shards[2]!.setChaos({ extraDelayMs: 15 });
    const counts = new Map<string, number>();
    // First calls for three report intervals (200 ms each), uncounted: on a busy machine 360 calls can
    // be over before the slow shard's first report arrives, and the test is about what happens once it has.
    const warmUntil = Date.now() + 600;
    const warm = async (): Promise<void> => {
      while (Date.now() < warmUntil) await c.client.invoke('risk.healthFactor', input, { timeoutMs: 5_000 });
    };
    await Promise.all(Array.from({ length: 6 }, warm));
    const worker = async (): Promise<void> => {
      for (let i = 0; i < 60; i++) {
        const r = await c.client.invoke('risk.healthFactor', input, { timeoutMs: 5_000 });
        const s = (r.output as { shard: string }).shard;
        counts.set(s, (counts.get(s) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    // Fair share would be a third (120 of 360); the slow shard must get clearly less.
    expect(counts.get('slow') ?? 0).toBeLessThan(60);
    await c.stop();
  });
});

describe('Shard', () => {
  it('answers a malformed envelope with a typed error and keeps serving', async () => {
    const c = await cluster(['a']);
    const bad = await c.transport.request('a', { name: '', input: 1, deadline: Number.NaN, correlationId: 'x', attempt: 1 }, Date.now() + 1_000);
    expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    await expect(c.client.invoke('risk.healthFactor', input)).resolves.toBeDefined();
    await c.stop();
  });

  it('reports per-function latency and counts, in-flight calls, tags and liveness data', async () => {
    const c = await cluster(['a']);
    for (let i = 0; i < 5; i++) await c.client.invoke('risk.healthFactor', input);
    await c.client.invoke('risk.healthFactor', { collateralUsd: 1, debtUsd: 100 }).catch(() => undefined);
    const r = c.shards[0]!.report();
    expect(r).toMatchObject({ shardId: 'a', tags: ['a'], inFlight: 0, intervalMs: 200 });
    expect(r.functions['risk.healthFactor']).toMatchObject({ versions: ['1.0.0'], enabled: true, calls: 6, errors: 0 });
    expect(r.functions['risk.healthFactor']?.latencyEwmaMs).toBeGreaterThanOrEqual(0);
    expect(r.cpu).toBeGreaterThanOrEqual(0);
    expect(r.memoryMb).toBeGreaterThan(0);
    // Counts restart with each report; the EWMA carries on.
    expect(c.shards[0]!.report().functions['risk.healthFactor']).toMatchObject({ calls: 0, latencyEwmaMs: expect.any(Number) });
    await c.stop();
  });

  it('makes every reply slower by the chaos factor', async () => {
    const c = await cluster(['a']);
    c.shards[0]!.setChaos({ extraDelayMs: 80 });
    const started = Date.now();
    await c.client.invoke('risk.healthFactor', input);
    expect(Date.now() - started).toBeGreaterThanOrEqual(75);
    await c.stop();
  });
});
