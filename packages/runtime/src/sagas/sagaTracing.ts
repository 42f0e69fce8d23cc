// Saga steps and compensations as spans while tracing is on: one per attempt, its traceparent handed to the command handler.
import { inSpan, markFailed, parentContext, SpanKind, spanParent, traceparentOf, traceparentOfSpan, tracingActive } from '../observability/tracing.js';
import type { CommandOutcome } from './sagaCommandRun.js';
import type { SagaCommandMessage } from './sagaCommandMessage.js';

/**
 * Run one attempt of a saga command, in a `saga <type> <step|compensation> <command>` span when
 * tracing is on. A step runs from a timer or the saga queue, apart from the request that started
 * the saga, so the span starts its own trace (sampled as any root). A failed attempt is an error
 * on its span, with the error's code.
 */
export function runSagaCommand(runCommand: (message: SagaCommandMessage) => Promise<CommandOutcome>, message: SagaCommandMessage): Promise<CommandOutcome> {
  if (!tracingActive()) return runCommand(message);
  const caller = parentContext(undefined);
  const parent = spanParent(caller, true);
  if (parent === undefined) {
    const traceparent = traceparentOf(caller);
    return runCommand(traceparent === undefined ? message : { ...message, traceparent });
  }
  const attributes = () => ({
    'lucent.saga.id': message.sagaId,
    'lucent.saga.type': message.sagaType,
    'lucent.saga.kind': message.kind,
    'lucent.saga.step': message.step,
    'lucent.command.type': message.command.type,
    'lucent.attempt': message.attempt,
    'lucent.idempotency_key': message.idempotencyKey,
  });
  return inSpan(`saga ${message.sagaType} ${message.kind} ${message.command.type}`, SpanKind.INTERNAL, parent, attributes, async (span) => {
    const outcome = await runCommand({ ...message, traceparent: traceparentOfSpan(span) });
    if (!outcome.ok) markFailed(span, outcome.error);
    return outcome;
  });
}
