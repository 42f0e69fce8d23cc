// Timer firings as spans while tracing is on: one per handler run (one-off, cron run or retry, a wait that matched or timed out).
import { inSpan, markFailed, parentContext, SpanKind, spanParent, traceparentOfSpan, tracingActive } from '../observability/tracing.js';
import type { ClaimedTimer } from './timerStore.js';

/** What a traced run is told: the traceparent of its span, to hand to the commands and calls it makes. */
export type TracedRun = (traceparent: string | undefined) => Promise<string | undefined>;

/**
 * Run one firing of `claim`'s handler in a `timer <kind> <handler>` span when tracing is on. A
 * firing starts from the claim loop, apart from the request that armed the timer, so the span
 * starts its own trace (sampled as any root). Its attributes say which timer, why it fired
 * (`due`, `matched`, `timeout`), which run and try, and how late it started; a wait's span also
 * names its key. `run` returns the handler's error message, which marks the span failed.
 */
export function traceFiring(
  claim: ClaimedTimer,
  handler: string | undefined,
  firing: { readonly scheduledFor: number; readonly firingKey: string; readonly attempt: number; readonly startedAt: number },
  run: TracedRun,
): Promise<string | undefined> {
  if (!tracingActive()) return run(undefined);
  const parent = spanParent(parentContext(undefined), true);
  if (parent === undefined) return run(undefined);
  const attributes = () => ({
    'lucent.timer.id': claim.id,
    'lucent.timer.kind': claim.kind,
    'lucent.timer.handler': handler ?? '',
    'lucent.timer.reason': claim.reason,
    'lucent.timer.firing_key': firing.firingKey,
    'lucent.timer.lag_ms': Math.max(0, firing.startedAt - firing.scheduledFor),
    'lucent.attempt': firing.attempt,
    ...(claim.waitKey !== undefined && { 'lucent.wait.key': claim.waitKey }),
    ...(claim.match !== undefined && { 'lucent.wait.arrived_at': claim.match.arrivedAt }),
  });
  return inSpan(`timer ${claim.kind} ${handler ?? '(none)'}`, SpanKind.INTERNAL, parent, attributes, async (span) => {
    const error = await run(traceparentOfSpan(span));
    if (error !== undefined) markFailed(span, new Error(error));
    return error;
  });
}
