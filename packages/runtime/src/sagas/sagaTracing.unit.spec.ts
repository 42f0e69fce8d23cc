// Saga attempts as spans: each step or compensation try its own span, handed to the handler as a traceparent; nothing while tracing is off.
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { afterEach, describe, expect, it } from 'vitest';
import { startTracing, type Tracing } from '../observability/tracing.js';
import type { CommandOutcome } from './sagaCommandRun.js';
import type { SagaCommandMessage } from './sagaCommandMessage.js';
import { runSagaCommand } from './sagaTracing.js';

const message = (attempt: number, kind: 'step' | 'compensation' = 'step'): SagaCommandMessage => ({
  command: { type: 'ReserveFunds' },
  sagaId: 'saga-1',
  sagaType: 'deposit',
  kind,
  step: 1,
  idempotencyKey: `saga-1:${kind}:1`,
  attempt,
  deadline: 1_000,
});

function context(): { seen: SagaCommandMessage[]; ctx: Parameters<typeof runSagaCommand>[0] } {
  const seen: SagaCommandMessage[] = [];
  const runCommand = (m: SagaCommandMessage): Promise<CommandOutcome> => {
    seen.push(m);
    return Promise.resolve(m.attempt === 1 ? { ok: false, error: { code: 'UNAVAILABLE', message: 'the exchange is down' } } : { ok: true, result: null });
  };
  return { seen, ctx: runCommand };
}

let tracing: Tracing | undefined;
afterEach(async () => {
  await tracing?.shutdown();
  tracing = undefined;
});

describe('saga tracing', () => {
  it('makes each attempt a span, hands its traceparent to the handler, and marks a failed try with its code', async () => {
    const exporter = new InMemorySpanExporter();
    tracing = await startTracing({ exporter });
    const { seen, ctx } = context();
    expect(await runSagaCommand(ctx, message(1))).toMatchObject({ ok: false });
    expect(await runSagaCommand(ctx, message(2, 'compensation'))).toEqual({ ok: true, result: null });
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => [s.name, s.status.code, s.attributes['lucent.error.code']])).toEqual([
      ['saga deposit step ReserveFunds', 2, 'UNAVAILABLE'],
      ['saga deposit compensation ReserveFunds', 0, undefined],
    ]);
    expect(spans[0]?.attributes).toMatchObject({ 'lucent.saga.id': 'saga-1', 'lucent.saga.step': 1, 'lucent.attempt': 1, 'lucent.idempotency_key': 'saga-1:step:1' });
    expect(seen.map((m) => m.traceparent)).toEqual(spans.map((s) => `00-${s.spanContext().traceId}-${s.spanContext().spanId}-01`));
  });

  it('hands the message over untouched while tracing is off', async () => {
    const { seen, ctx } = context();
    const sent = message(2);
    await runSagaCommand(ctx, sent);
    expect(seen).toEqual([sent]);
    expect(seen[0]).toBe(sent);
  });
});
