// Issue calls at a steady rate for a bounded time (not as fast as possible), for lag measured under a given load.
import { setTimeout as sleep } from 'node:timers/promises';

export interface PacedLoadOptions {
  readonly callsPerSecond: number;
  readonly durationMs: number;
  /** Calls allowed to overlap; when reached, the next call waits for the oldest (the rate then drops, and shows). */
  readonly maxInFlight: number;
}

export interface PacedLoadResult {
  readonly calls: number;
  readonly ms: number;
}

/**
 * Call `send(i, issuedAt)` every 1/callsPerSecond seconds for `durationMs`. Each call is due at
 * start + i·interval, so a late timer is caught up on instead of slowing the whole run down.
 */
export async function pacedLoad(
  options: PacedLoadOptions,
  send: (i: number, issuedAt: number) => Promise<void>,
): Promise<PacedLoadResult> {
  const interval = 1000 / options.callsPerSecond;
  const start = performance.now();
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let i = 0;
  for (; failure === undefined; i++) {
    const due = start + i * interval;
    if (due - start >= options.durationMs) break;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    if (inFlight.size >= options.maxInFlight) await Promise.race(inFlight);
    const call: Promise<void> = send(i, performance.now()).then(
      () => void inFlight.delete(call),
      (error: unknown) => {
        inFlight.delete(call);
        failure ??= error;
      },
    );
    inFlight.add(call);
  }
  await Promise.all(inFlight);
  if (failure !== undefined) throw failure;
  return { calls: i, ms: performance.now() - start };
}
