// Tracing in one process: off by default (nothing created), one trace across client, transport, shard and function when on, sampling honoured.
import { InMemorySpanExporter, ParentBasedSampler, TraceIdRatioBasedSampler, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFunction, functionMap } from '@lucent/core';
import { ClusterClient } from '../cluster/clusterClient.js';
import { Shard } from '../cluster/shard.js';
import { FunctionManager } from '../functionManager/functionManager.js';
import { MemoryEventStore } from '../eventStore/memoryEventStore.js';
import { InProcessTransport } from '../transport/inProcessTransport.js';
import { traceEventStore } from './tracedEventStore.js';
import { startTracing, tracingActive, type Tracing } from './tracing.js';

const quote = defineFunction(
  { name: 'prices.quote', version: '1.2.0', input: z.object({ pair: z.string() }), output: z.object({ traceparent: z.string().optional() }) },
  (_, ctx) => {
    ctx.span.setAttribute('quote.pair', 'BTC-USD');
    return { traceparent: ctx.execution.traceparent };
  },
);
const registry = functionMap(quote);

async function cluster(): Promise<{ client: ClusterClient; stop(): Promise<void> }> {
  const transport = new InProcessTransport();
  const client = new ClusterClient({ transport, functions: registry });
  const shard: Shard = new Shard({ id: 'shard-a', transport, reportIntervalMs: 100, functions: new FunctionManager({ shard: () => shard.info() }).register(registry) });
  await shard.start();
  await client.ready(1, 2_000);
  return {
    client,
    stop: async () => {
      await shard.stop(100);
      await client.close();
      await transport.close();
    },
  };
}

const caller = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
let tracing: Tracing | undefined;

afterEach(async () => {
  await tracing?.shutdown();
  tracing = undefined;
});

describe('tracing', () => {
  it('is off unless an exporter is configured: startTracing returns undefined and no span site is active', async () => {
    const saved = { file: process.env['LUCENT_TRACES_FILE'], exporter: process.env['OTEL_TRACES_EXPORTER'] };
    delete process.env['LUCENT_TRACES_FILE'];
    delete process.env['OTEL_TRACES_EXPORTER'];
    try {
      expect(await startTracing()).toBeUndefined();
      expect(tracingActive()).toBe(false);
    } finally {
      if (saved.file !== undefined) process.env['LUCENT_TRACES_FILE'] = saved.file;
      if (saved.exporter !== undefined) process.env['OTEL_TRACES_EXPORTER'] = saved.exporter;
    }
  });

  it('makes one trace of a remote call: client span → shard server span → function span, the function seeing its own span', async () => {
    const exporter = new InMemorySpanExporter();
    tracing = await startTracing({ exporter, serviceName: 'spec' });
    expect(tracingActive()).toBe(true);
    const c = await cluster();
    try {
      const r = await c.client.invoke('prices.quote', { pair: 'BTC-USD' }, { traceparent: caller, business: { userId: 'alice' }, correlationId: 'c-1' });
      const spans = exporter.getFinishedSpans();
      const byName = (name: string): ReadableSpan => spans.find((s) => s.name === name)!;
      const [call, serve, fn] = [byName('call prices.quote'), byName('serve prices.quote'), byName('function prices.quote')];
      expect(spans.map((s) => s.spanContext().traceId)).toEqual(Array(3).fill('4bf92f3577b34da6a3ce929d0e0e4736'));
      expect(call.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
      expect(serve.parentSpanContext?.spanId).toBe(call.spanContext().spanId);
      expect(fn.parentSpanContext?.spanId).toBe(serve.spanContext().spanId);
      expect(call.attributes).toMatchObject({ 'lucent.shard': 'shard-a', 'lucent.function.version': '1.2.0', 'lucent.business.userId': 'alice', 'lucent.correlation_id': 'c-1' });
      expect(fn.attributes).toMatchObject({ 'lucent.function.name': 'prices.quote', 'lucent.function.version': '1.2.0', 'lucent.shard': 'shard-a', 'lucent.correlation_id': 'c-1', 'quote.pair': 'BTC-USD' });
      expect((r.output as { traceparent: string }).traceparent).toBe(`00-4bf92f3577b34da6a3ce929d0e0e4736-${fn.spanContext().spanId}-01`);
    } finally {
      await c.stop();
    }
  });

  it('marks a failed call on its spans with the error code', async () => {
    const exporter = new InMemorySpanExporter();
    tracing = await startTracing({ exporter });
    const c = await cluster();
    try {
      await expect(c.client.invoke('prices.quote', { pair: 42 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      const manager = new FunctionManager().register(registry);
      await expect(manager.invoke('prices.quote', { pair: 7 }, { traceparent: caller })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      const spans = exporter.getFinishedSpans();
      expect(spans.map((s) => [s.name, s.status.code, s.attributes['lucent.error.code']])).toEqual([
        ['call prices.quote', 2, 'VALIDATION_FAILED'],
        ['function prices.quote', 2, 'VALIDATION_FAILED'],
      ]);
    } finally {
      await c.stop();
    }
  });

  it('puts an append in an eventstore.append span under the active one, and leaves the events as given', async () => {
    const exporter = new InMemorySpanExporter();
    tracing = await startTracing({ exporter });
    const store = traceEventStore(new MemoryEventStore());
    await store.append('s-1', [{ type: 'Opened', data: {}, metadata: { traceparent: caller } }]);
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('eventstore.append');
    expect(span?.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(span?.attributes).toMatchObject({ 'lucent.stream': 's-1', 'lucent.events': 1, 'lucent.next_version': 1 });
    expect((await store.readStream('s-1'))[0]?.metadata.traceparent).toBe(caller);
  });

  it('makes no span for a call in a trace its caller sampled out, nor for a function run outside any trace, and passes the trace on', async () => {
    const exporter = new InMemorySpanExporter();
    const saved = process.env['OTEL_TRACES_SAMPLER'];
    delete process.env['OTEL_TRACES_SAMPLER'];
    tracing = await startTracing({ exporter });
    const c = await cluster();
    try {
      const unsampled = caller.replace(/-01$/, '-00');
      const r = await c.client.invoke('prices.quote', { pair: 'BTC-USD' }, { traceparent: unsampled });
      expect((r.output as { traceparent: string }).traceparent).toBe(unsampled);
      const manager = new FunctionManager().register(registry);
      expect((await manager.invoke('prices.quote', { pair: 'BTC-USD' })).output).toEqual({});
      expect(exporter.getFinishedSpans()).toEqual([]);
    } finally {
      await c.stop();
      if (saved !== undefined) process.env['OTEL_TRACES_SAMPLER'] = saved;
    }
  });

  it('follows the sampler: a trace sampled out exports nothing, yet its calls still carry a traceparent saying so', async () => {
    const exporter = new InMemorySpanExporter();
    tracing = await startTracing({ exporter, sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0) }) });
    const c = await cluster();
    try {
      const r = await c.client.invoke('prices.quote', { pair: 'BTC-USD' });
      expect(exporter.getFinishedSpans()).toEqual([]);
      expect((r.output as { traceparent: string }).traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
      // A caller that sampled its trace in is followed (parent-based).
      await c.client.invoke('prices.quote', { pair: 'BTC-USD' }, { traceparent: caller });
      expect(exporter.getFinishedSpans()).toHaveLength(3);
    } finally {
      await c.stop();
    }
  });
});
