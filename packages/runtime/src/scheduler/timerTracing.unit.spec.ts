// Timer firings as spans: one per handler run, its traceparent handed to the handler, a failed run marked; nothing while tracing is off.
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { afterEach, describe, expect, it } from 'vitest';
import { startTracing, type Tracing } from '../observability/tracing.js';
import { TimerHandlers } from './timerHandlers.js';
import type { ClaimedTimer } from './timerStore.js';

const now = 1_000_000;
const claim = (over: Partial<ClaimedTimer> = {}): ClaimedTimer => ({
  id: 't1', kind: 'once', handler: 'remind', dueAt: now, payload: null, state: 'pending', registeredAt: now - 60_000, attempts: 0,
  claimToken: 'tok', claimedBy: 'n1', claimedUntil: now + 30_000, reason: 'due', ...over,
});

let tracing: Tracing | undefined;
afterEach(async () => {
  await tracing?.shutdown();
  tracing = undefined;
});

describe('timer tracing', () => {
  it('makes each firing a span named by kind and handler, with why and how late it fired, and hands its traceparent to the handler', async () => {
    const exporter = new InMemorySpanExporter();
    tracing = await startTracing({ exporter });
    const handlers = new TimerHandlers('n1', () => now + 7, 1_000);
    const seen: (string | undefined)[] = [];
    handlers.handle('remind', (f) => void seen.push(f.traceparent));
    handlers.handle('deposit.confirmed', (f) => void seen.push(f.traceparent));
    handlers.handle('deposit.expired', () => {
      throw new Error('the chain is unreachable');
    });
    const wait = { kind: 'external' as const, handler: 'deposit.confirmed', timeoutHandler: 'deposit.expired', waitKey: 'deposit:42' };
    expect(await handlers.invoke('remind', claim(), now)).toBeUndefined();
    expect(await handlers.invoke('deposit.confirmed', claim({ id: 'w1', ...wait, reason: 'matched', match: { arrivalId: 'a1', payload: {}, arrivedAt: now - 3 } }), now - 3)).toBeUndefined();
    expect(await handlers.invoke('deposit.expired', claim({ id: 'w2', ...wait, reason: 'timeout', attempts: 1 }), now)).toBe('the chain is unreachable');

    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => [s.name, s.status.code])).toEqual([
      ['timer once remind', 0],
      ['timer external deposit.confirmed', 0],
      ['timer external deposit.expired', 2],
    ]);
    expect(spans[0]?.attributes).toMatchObject({ 'lucent.timer.id': 't1', 'lucent.timer.reason': 'due', 'lucent.timer.lag_ms': 7, 'lucent.attempt': 0, 'lucent.timer.firing_key': `t1@${now}` });
    expect(spans[1]?.attributes).toMatchObject({ 'lucent.timer.reason': 'matched', 'lucent.wait.key': 'deposit:42', 'lucent.wait.arrived_at': now - 3 });
    expect(spans[2]?.attributes).toMatchObject({ 'lucent.timer.reason': 'timeout', 'lucent.attempt': 1 });
    expect(spans[2]?.status.message).toBe('the chain is unreachable');
    // Each firing starts a trace of its own, and the handler is told its span.
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(3);
    expect(seen).toEqual(spans.slice(0, 2).map((s) => `00-${s.spanContext().traceId}-${s.spanContext().spanId}-01`));
  });

  it('runs the handler with no traceparent and records nothing while tracing is off', async () => {
    const handlers = new TimerHandlers('n1', () => now, 1_000);
    const seen: unknown[] = [];
    handlers.handle('remind', (f) => void seen.push('traceparent' in f));
    expect(await handlers.invoke('remind', claim(), now)).toBeUndefined();
    expect(seen).toEqual([false]);
  });
});
