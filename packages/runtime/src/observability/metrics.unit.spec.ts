// LucentMetrics: function calls counted by outcome through the FunctionManager observer, and gauges read from their sources at scrape time.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFunction, LucentError } from '@lucent/core';
import { ShardBreakers } from '../cluster/shardBreakers.js';
import { FunctionManager } from '../functionManager/functionManager.js';
import { MemoryEventStore } from '../eventStore/memoryEventStore.js';
import { ShadowRunner } from '../registry/shadowRunner.js';
import { MemoryTimerStore } from '../scheduler/memoryTimerStore.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { LucentMetrics } from './metrics.js';
import { sample } from '../../../../test/support/prometheusSample.js';


const half = defineFunction(
  { name: 'math.half', version: '1.0.0', input: z.object({ n: z.number() }), output: z.number() },
  ({ n }) => {
    if (n < 0) throw new LucentError('RULE_VIOLATED', 'negative');
    return n / 2;
  },
);
const slow = defineFunction(
  { name: 'math.slow', version: '2.0.0', input: z.object({ ms: z.number() }), output: z.number() },
  async ({ ms }) => {
    await new Promise((r) => setTimeout(r, ms));
    return ms;
  },
);

describe('LucentMetrics', () => {
  it('counts each call once by function, version, shard and outcome, and shows calls in flight', async () => {
    const metrics = new LucentMetrics({ shard: 's1', processMetrics: false });
    const manager = new FunctionManager({ observer: metrics.functions }).register(half, slow);
    await manager.invoke('math.half', { n: 4 });
    await manager.invoke('math.half', { n: 6 });
    await expect(manager.invoke('math.half', { n: -1 })).rejects.toMatchObject({ code: 'RULE_VIOLATED' });
    await expect(manager.invoke('math.half', { n: 'x' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const pending = manager.invoke('math.slow', { ms: 50 });
    const during = await metrics.render();
    expect(sample(during, 'lucent_function_in_flight', { function: 'math.slow', version: '2.0.0', shard: 's1' })).toBe(1);
    await pending;

    const text = await metrics.render();
    const labels = { function: 'math.half', version: '1.0.0', shard: 's1' };
    expect(sample(text, 'lucent_function_calls_total', { ...labels, outcome: 'ok' })).toBe(2);
    expect(sample(text, 'lucent_function_calls_total', { ...labels, outcome: 'error' })).toBe(2);
    expect(sample(text, 'lucent_function_duration_seconds_count', { ...labels, outcome: 'ok' })).toBe(2);
    expect(sample(text, 'lucent_function_in_flight', { function: 'math.slow', version: '2.0.0', shard: 's1' })).toBe(0);
    expect(sample(text, 'lucent_function_duration_seconds_sum', { function: 'math.slow', version: '2.0.0', shard: 's1', outcome: 'ok' })).toBeGreaterThanOrEqual(0.04);
  });

  it('reads breakers, projections, sagas and the registry revision when scraped', async () => {
    const metrics = new LucentMetrics({ processMetrics: false });
    const breakers = new ShardBreakers({ failures: 1, halfOpenAfterMs: 1_000 });
    metrics.breakers({
      breakerStates: () => [...breakers.states(), { shard: 'fine', state: 'closed' as const }],
    });
    const events = metrics.eventStore(new MemoryEventStore());
    await events.append('s-1', [{ type: 'A', data: {} }, { type: 'B', data: {} }, { type: 'C', data: {} }]);
    const projection = { name: 'positions', position: 1 };
    metrics.projection(projection).sagas({ openByStatus: () => ({ running: 2, compensating: 1 }) }).registryWatcher({ revision: 7 });

    breakers.failed('bad', 0);
    let text = await metrics.render();
    expect(sample(text, 'lucent_breaker_state', { shard: 'bad' })).toBe(1);
    expect(sample(text, 'lucent_breaker_state', { shard: 'fine' })).toBe(0);
    expect(sample(text, 'lucent_event_store_append_duration_seconds_count', { outcome: 'ok' })).toBe(1);
    expect(sample(text, 'lucent_event_store_head_position')).toBe(3);
    expect(sample(text, 'lucent_projection_checkpoint', { projection: 'positions' })).toBe(1);
    expect(sample(text, 'lucent_projection_lag_events', { projection: 'positions' })).toBe(2);
    expect(sample(text, 'lucent_sagas_open', { status: 'running' })).toBe(2);
    expect(sample(text, 'lucent_sagas_open', { status: 'compensating' })).toBe(1);
    expect(sample(text, 'lucent_registry_revision')).toBe(7);

    // A trial call half-opens the circuit; a success closes it and the shard leaves the list.
    expect(breakers.admit('bad', 2_000)).toBe(true);
    text = await metrics.render();
    expect(sample(text, 'lucent_breaker_state', { shard: 'bad' })).toBe(2);
    breakers.succeeded('bad');
    projection.position = 3;
    text = await metrics.render();
    expect(sample(text, 'lucent_breaker_state', { shard: 'bad' })).toBeUndefined();
    expect(sample(text, 'lucent_projection_lag_events', { projection: 'positions' })).toBe(0);
  });

  it('scrapes the rest when the timer store fails or hangs, leaving the armed-timers gauge out and counting it unread', async () => {
    const metrics = new LucentMetrics({ processMetrics: false });
    const store = new MemoryTimerStore();
    await store.schedule({ id: 't1', kind: 'once', handler: 'h', dueAt: 10_000, payload: null }, 0);
    metrics.scheduler(new Scheduler({ store }), store).registryWatcher({ revision: 3 });
    let text = await metrics.render();
    expect(sample(text, 'lucent_timers_armed', { kind: 'once' })).toBe(1);

    // PostgreSQL down: the store refuses at once.
    const list = store.list.bind(store);
    store.list = () => Promise.reject(new LucentError('UNAVAILABLE', 'postgres is failing'));
    text = await metrics.render();
    expect(sample(text, 'lucent_timers_armed', { kind: 'once' })).toBeUndefined();
    expect(sample(text, 'lucent_metrics_unread_total', { metric: 'lucent_timers_armed' })).toBe(1);
    expect(sample(text, 'lucent_registry_revision')).toBe(3);

    // A store that never answers holds the scrape about a second, not until the scraper gives up.
    store.list = () => new Promise(() => undefined);
    const started = performance.now();
    text = await metrics.render();
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(sample(text, 'lucent_metrics_unread_total', { metric: 'lucent_timers_armed' })).toBe(2);

    store.list = list;
    text = await metrics.render();
    expect(sample(text, 'lucent_timers_armed', { kind: 'once' })).toBe(1);
  });

  it('times a refused append under its outcome', async () => {
    const metrics = new LucentMetrics({ processMetrics: false });
    const events = metrics.eventStore(new MemoryEventStore());
    await events.append('s-1', [{ type: 'A', data: {} }]);
    await expect(events.append('s-1', [{ type: 'A', data: {} }], { expectedVersion: 0 })).rejects.toMatchObject({ code: 'VERSION_CONFLICT' });
    const text = await metrics.render();
    expect(sample(text, 'lucent_event_store_append_duration_seconds_count', { outcome: 'conflict' })).toBe(1);
  });
});

describe('the Grafana dashboard (docs/grafana/lucent.json)', () => {
  it('queries only series a process with every part attached exposes', async () => {
    const metrics = new LucentMetrics();
    const manager = new FunctionManager({ observer: metrics.functions }).register(half);
    await manager.invoke('math.half', { n: 2 });
    metrics.eventStore(new MemoryEventStore());
    const store = new MemoryTimerStore();
    metrics.scheduler(new Scheduler({ store }), store);
    new ShadowRunner({ manager, metrics: metrics.registry });
    const exposed = new Set((await metrics.registry.getMetricsAsJSON()).map((m) => m.name));
    const dashboard = readFileSync(new URL('../../../../docs/grafana/lucent.json', import.meta.url), 'utf8');
    const queried = new Set([...dashboard.matchAll(/\b(lucent_\w+|process_\w+|nodejs_\w+)/g)].map((m) => (m[1] as string).replace(/_(bucket|count|sum)$/, '')));
    expect(queried.size).toBeGreaterThan(10);
    for (const name of queried) expect(exposed, name).toContain(name);
  });
});
