// Run the sides of one comparison in alternating windows, so drift of a shared machine hits every side alike.
import { collectGarbage } from './gc.js';
import { LatencyRecorder } from './latencyRecorder.js';
import { addOps, asyncOps, concurrentOps, emptyOps, latencies, opsPerSecond, syncOps, type OpsSample } from './measure.js';

export interface Schedule {
  readonly windowMs: number;
  readonly rounds: number;
  /** Unmeasured time per side before the first round (JIT, connections, caches); default min(windowMs, 500). */
  readonly warmupMs?: number;
}

/**
 * Call `run(side, windowMs)` for every side once to warm up, then `rounds` times each in
 * rotating order (round r starts at side r), so no side always runs first or last. A full
 * garbage collection before every window (not timed) keeps one side from paying for the
 * garbage the side before it left: rotation alone does not, as each side keeps the same
 * predecessor in the cycle.
 */
export async function alternate<S extends string>(
  sides: readonly S[],
  schedule: Schedule,
  run: (side: S, windowMs: number, measured: boolean) => Promise<void> | void,
): Promise<void> {
  const warmupMs = schedule.warmupMs ?? Math.min(schedule.windowMs, 500);
  if (warmupMs > 0) for (const side of sides) await run(side, warmupMs, false);
  for (let r = 0; r < schedule.rounds; r++) {
    for (let i = 0; i < sides.length; i++) {
      const side = sides[(r + i) % sides.length] as S;
      collectGarbage();
      await run(side, schedule.windowMs, true);
    }
  }
}

/** One side of a throughput comparison: an async op (one in flight unless `concurrency`), or a sync op. */
export type OpsSide =
  | (() => Promise<unknown>)
  | { readonly sync: () => unknown }
  | { readonly op: () => Promise<unknown>; readonly concurrency: number; readonly opsPerCall?: number }
  | { readonly op: () => Promise<unknown>; readonly opsPerCall: number };

function runOps(side: OpsSide, windowMs: number): OpsSample | Promise<OpsSample> {
  if (typeof side === 'function') return asyncOps(side, windowMs);
  if ('sync' in side) return syncOps(side.sync, windowMs);
  const scale = side.opsPerCall ?? 1;
  const sample = 'concurrency' in side ? concurrentOps(side.op, windowMs, side.concurrency) : asyncOps(side.op, windowMs);
  return sample.then((s) => ({ ops: s.ops * scale, ms: s.ms }));
}

/** Throughput of each side, ops/s over all measured windows. `opsPerCall` counts e.g. events in a batch. */
export async function compareOps<S extends string>(schedule: Schedule, sides: Record<S, OpsSide>): Promise<Record<S, number>> {
  const names = Object.keys(sides) as S[];
  const totals = Object.fromEntries(names.map((n) => [n, emptyOps()])) as Record<S, OpsSample>;
  await alternate(names, schedule, async (name, windowMs, measured) => {
    const sample = await runOps(sides[name], windowMs);
    if (measured) addOps(totals[name], sample);
  });
  return Object.fromEntries(names.map((n) => [n, opsPerSecond(totals[n])])) as Record<S, number>;
}

export interface LatencySummary {
  readonly p50Us: number;
  readonly p99Us: number;
  readonly count: number;
  readonly opsPerSecond: number;
}

/** Per-call latency of each side, one call in flight, percentiles over all measured windows. */
export async function compareLatency<S extends string>(
  schedule: Schedule & { readonly maxOpsPerWindow?: number },
  sides: Record<S, () => Promise<unknown>>,
): Promise<Record<S, LatencySummary>> {
  const names = Object.keys(sides) as S[];
  const recorders = Object.fromEntries(names.map((n) => [n, new LatencyRecorder()])) as Record<S, LatencyRecorder>;
  const totals = Object.fromEntries(names.map((n) => [n, emptyOps()])) as Record<S, OpsSample>;
  await alternate(names, schedule, async (name, windowMs, measured) => {
    const sample = await latencies(sides[name], windowMs, measured ? recorders[name] : undefined, schedule.maxOpsPerWindow);
    if (measured) addOps(totals[name], sample);
  });
  return Object.fromEntries(
    names.map((n) => [
      n,
      {
        p50Us: recorders[n].percentileUs(50),
        p99Us: recorders[n].percentileUs(99),
        count: recorders[n].count,
        opsPerSecond: opsPerSecond(totals[n]),
      },
    ]),
  ) as Record<S, LatencySummary>;
}
