// What tracing costs: an in-process invoke and a remote call over NATS with the OpenTelemetry SDK on (every trace, 1% of traces) vs off.
import { randomBytes } from 'node:crypto';
import { defineFunction, functionMap } from '@lucent/core';
import { FunctionManager, startTracing, type Tracing, type TracingOptions } from '@lucent/runtime';
import { ClusterClient, Shard } from '@lucent/runtime/cluster';
import { NatsTransport, connectNats } from '@lucent/nats';
import { z } from 'zod';
import { alternate } from '../harness/alternate.js';
import { addOps, asyncOps, emptyOps, opsPerSecond, type OpsSample } from '../harness/measure.js';
import type { BenchArea, BenchOptions, BenchResult } from '../harness/types.js';
import { wants } from '../harness/types.js';

interface Quote {
  readonly qty: number;
  readonly priceUsd: number;
}
const input: Quote = { qty: 1.25, priceUsd: 3012.5 };
const notionalFunction = defineFunction(
  {
    name: 'bench.notional',
    version: '1.0.0',
    input: z.object({ qty: z.number().positive(), priceUsd: z.number().positive() }),
    output: z.object({ notionalUsd: z.number() }),
  },
  (q: Quote) => ({ notionalUsd: q.qty * q.priceUsd }),
);
const registry = functionMap(notionalFunction);

type Mode = 'tracing-off' | 'sampled-100%' | 'sampled-1%' | 'sampled-1%-explicit';
/** `sampled-1%-explicit`: the same without OpenTelemetry's active context (LUCENT_TRACES_ACTIVE_CONTEXT=off). */
const modes: readonly Mode[] = ['tracing-off', 'sampled-100%', 'sampled-1%', 'sampled-1%-explicit'];

/** Takes every span and drops it, counting: the SDK's whole cost (sampling, spans, batching), no I/O. */
class CountingExporter implements NonNullable<TracingOptions['exporter']> {
  spans = 0;
  export(spans: Parameters<NonNullable<TracingOptions['exporter']>['export']>[0], done: Parameters<NonNullable<TracingOptions['exporter']>['export']>[1]): void {
    this.spans += spans.length;
    done({ code: 0 });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Switches the process between modes window by window. Sampling goes through the standard
 * variables (OTEL_TRACES_SAMPLER=parentbased_traceidratio, OTEL_TRACES_SAMPLER_ARG), as a service
 * is configured; spans go to the counting exporter through a BatchSpanProcessor, as OTLP's do.
 */
class TracingSwitch {
  readonly exporter = new CountingExporter();
  private tracing: Tracing | undefined;
  private mode: Mode = 'tracing-off';
  private readonly saved = { ...process.env };

  constructor() {
    // Only this bench's exporter: a LUCENT_TRACES_FILE or OTLP endpoint in the environment would measure the disk or the network.
    delete process.env['LUCENT_TRACES_FILE'];
    delete process.env['OTEL_TRACES_EXPORTER'];
    delete process.env['OTEL_SDK_DISABLED'];
    delete process.env['LUCENT_TRACES_ACTIVE_CONTEXT'];
    process.env['OTEL_TRACES_SAMPLER'] = 'parentbased_traceidratio';
  }

  async set(mode: Mode): Promise<void> {
    if (mode === this.mode) return;
    await this.tracing?.shutdown();
    this.tracing = undefined;
    this.mode = mode;
    if (mode === 'tracing-off') return;
    process.env['OTEL_TRACES_SAMPLER_ARG'] = mode === 'sampled-100%' ? '1' : '0.01';
    this.tracing = await startTracing({ exporter: this.exporter, batch: true, serviceName: 'bench', activeContext: mode !== 'sampled-1%-explicit' });
  }

  async close(): Promise<void> {
    await this.set('tracing-off');
    for (const key of ['OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG', 'LUCENT_TRACES_FILE', 'OTEL_TRACES_EXPORTER', 'OTEL_SDK_DISABLED', 'LUCENT_TRACES_ACTIVE_CONTEXT']) {
      if (this.saved[key] === undefined) delete process.env[key];
      else process.env[key] = this.saved[key];
    }
  }
}

/** Ops/s of `op` per mode, in alternating windows (the mode set before each); spans exported per call per mode. */
async function compareModes(options: BenchOptions, op: (mode: Mode) => Promise<unknown>): Promise<{ rates: Record<Mode, number>; spansPerCall: Record<Mode, number> }> {
  const traced = new TracingSwitch();
  const totals = Object.fromEntries(modes.map((m) => [m, emptyOps()])) as Record<Mode, OpsSample>;
  const spans = Object.fromEntries(modes.map((m) => [m, 0])) as Record<Mode, number>;
  try {
    await alternate(modes, options, async (mode, windowMs, measured) => {
      await traced.set(mode);
      const before = traced.exporter.spans;
      const sample = await asyncOps(() => op(mode), windowMs);
      // Switching modes shuts the provider down, which exports what its batch still holds.
      await traced.set('tracing-off');
      if (!measured) return;
      addOps(totals[mode], sample);
      spans[mode] += traced.exporter.spans - before;
    });
  } finally {
    await traced.close();
  }
  const rates = Object.fromEntries(modes.map((m) => [m, opsPerSecond(totals[m])])) as Record<Mode, number>;
  const spansPerCall = Object.fromEntries(modes.map((m) => [m, totals[m].ops === 0 ? 0 : spans[m] / totals[m].ops])) as Record<Mode, number>;
  return { rates, spansPerCall };
}

function row(name: string, rates: Record<Mode, number>, spansPerCall: Record<Mode, number>, what: string): BenchResult {
  const ratio = (m: Mode): string => (rates[m] / rates['tracing-off']).toFixed(2);
  return {
    case: name,
    metric: 'ops_per_s',
    higherIsBetter: true,
    lucent: rates['sampled-1%'],
    baselines: { 'tracing-off': rates['tracing-off'], 'sampled-100%': rates['sampled-100%'], 'sampled-1%-explicit': rates['sampled-1%-explicit'] },
    floors: ['tracing-off'],
    note:
      `${what}; lucent = tracing on at 1% sampling (parentbased_traceidratio 0.01), ${ratio('sampled-1%')}× of tracing off; ` +
      `every trace sampled: ${ratio('sampled-100%')}×; 1% without the active context (LUCENT_TRACES_ACTIVE_CONTEXT=off): ${ratio('sampled-1%-explicit')}×. Spans to a counting no-op exporter through a BatchSpanProcessor ` +
      `(exported per call: ${spansPerCall['sampled-100%'].toFixed(2)} at 100%, ${spansPerCall['sampled-1%'].toFixed(3)} at 1%; ` +
      'a full batch queue drops spans, as the SDK does). Targets: ≥ 0.8× in-process, ≥ 0.95× remote at 1%.',
  };
}

async function inProcess(options: BenchOptions, out: BenchResult[]): Promise<void> {
  const lucent = new FunctionManager({ validate: false }).register(registry);
  if (wants(options, 'observability.overhead.inprocess')) {
    const { rates, spansPerCall } = await compareModes(options, () => lucent.invoke('bench.notional', input));
    out.push(
      row(
        'observability.overhead.inprocess',
        rates,
        spansPerCall,
        "FunctionManager.invoke, validation off, one call in flight, outside any trace (invoke.inprocess's Lucent side: a function run joins its caller's trace and starts none)",
      ),
    );
  }
  if (wants(options, 'observability.overhead.inprocess.intrace')) {
    // Each call inside a request's trace, as the HTTP span passes it on: 100 traces in turn, of which the
    // edge's sampler kept all (100%) or one (1%); the function span follows its parent's decision.
    const ids = Array.from({ length: 100 }, () => `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}`);
    const parents: Record<Mode, string[]> = {
      'tracing-off': ids.map((id, i) => `${id}-${i === 0 ? '01' : '00'}`),
      'sampled-100%': ids.map((id) => `${id}-01`),
      'sampled-1%': ids.map((id, i) => `${id}-${i === 0 ? '01' : '00'}`),
      'sampled-1%-explicit': ids.map((id, i) => `${id}-${i === 0 ? '01' : '00'}`),
    };
    let n = 0;
    const { rates, spansPerCall } = await compareModes(options, (mode) => lucent.invoke('bench.notional', input, { traceparent: parents[mode][n++ % 100] as string }));
    out.push(row('observability.overhead.inprocess.intrace', rates, spansPerCall, 'FunctionManager.invoke as above, each call carrying its request\'s traceparent'));
  }
}

async function remote(options: BenchOptions, out: BenchResult[]): Promise<void> {
  const tag = randomBytes(4).toString('hex');
  const prefix = `lucent-bench-obs-${tag}`;
  const serverConn = await connectNats({ url: options.natsUrl, name: 'bench-obs-server' });
  const clientConn = await connectNats({ url: options.natsUrl, name: 'bench-obs-client' });
  const serverTransport = new NatsTransport({ connection: serverConn, subjectPrefix: prefix });
  const shard = new Shard({ id: `bench${tag}`, transport: serverTransport, functions: new FunctionManager().register(registry) });
  await shard.start();
  const clientTransport = new NatsTransport({ connection: clientConn, subjectPrefix: prefix });
  const client = new ClusterClient({ transport: clientTransport, functions: registry });
  try {
    await client.ready(1, 10_000);
    const { rates, spansPerCall } = await compareModes(options, () => client.invoke('bench.notional', input, { timeoutMs: 5_000 }));
    out.push(
      row(
        'observability.overhead.remote',
        rates,
        spansPerCall,
        'ClusterClient → NATS → Shard in this one process (both ends traced: call, serve and function spans), validation on, one call in flight',
      ),
    );
  } finally {
    await shard.stop(1_000);
    await client.close();
    await clientTransport.close();
    await serverTransport.close();
    await clientConn.drain();
    await serverConn.drain();
  }
}

export const observabilityArea: BenchArea = {
  area: 'observability',
  cases: ['observability.overhead.inprocess', 'observability.overhead.inprocess.intrace', 'observability.overhead.remote'],
  requires: ['nats'],
  async run(options) {
    const out: BenchResult[] = [];
    await inProcess(options, out);
    if (wants(options, 'observability.overhead.remote')) await remote(options, out);
    return out;
  },
};
