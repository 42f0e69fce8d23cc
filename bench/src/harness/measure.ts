// Bounded measuring loops: ops/s of sync and async operations (batched between clock reads) and per-call latency.
import type { LatencyRecorder } from './latencyRecorder.js';

/** How many operations ran in how long; several windows add up before a rate is taken. */
export interface OpsSample {
  ops: number;
  ms: number;
}

export const emptyOps = (): OpsSample => ({ ops: 0, ms: 0 });

export function addOps(into: OpsSample, more: OpsSample): OpsSample {
  into.ops += more.ops;
  into.ms += more.ms;
  return into;
}

export function opsPerSecond(sample: OpsSample): number {
  return sample.ms > 0 ? (sample.ops * 1000) / sample.ms : Number.NaN;
}

// Clock reads cost ~40 ns, as much as a fast call: the batch grows until one batch lasts
// about a millisecond, so the clock is a rounding error of the measured time.
const batchTargetMs = 1;
const maxBatch = 1 << 20;
/** Hard cap on operations per window, so a broken (instant) op cannot spin forever. */
const maxOpsPerWindow = 2e9;

/**
 * One measuring window's clock and batch size, shared by the sync and async loops: the caller runs
 * `batch` ops, then calls `next()`, which reads the clock once and doubles the batch while a batch
 * still takes under `batchTargetMs`.
 */
class BatchedWindow {
  batch = 1;
  private ops = 0;
  private readonly start = performance.now();
  private readonly end: number;
  private t = this.start;

  constructor(windowMs: number) {
    this.end = this.start + windowMs;
  }

  get open(): boolean {
    return this.t < this.end && this.ops < maxOpsPerWindow;
  }

  next(): void {
    this.ops += this.batch;
    const now = performance.now();
    if (now - this.t < batchTargetMs && this.batch < maxBatch) this.batch *= 2;
    this.t = now;
  }

  sample(): OpsSample {
    return { ops: this.ops, ms: this.t - this.start };
  }
}

/** Run a synchronous op back to back for `windowMs`. The sink keeps the result alive so it is not optimised away. */
export function syncOps(op: () => unknown, windowMs: number): OpsSample {
  const w = new BatchedWindow(windowMs);
  let sink: unknown;
  while (w.open) {
    const batch = w.batch;
    for (let i = 0; i < batch; i++) sink = op();
    w.next();
  }
  keep(sink);
  return w.sample();
}

/** Await an async op sequentially (one in flight) for `windowMs`. */
export async function asyncOps(op: () => Promise<unknown>, windowMs: number): Promise<OpsSample> {
  const w = new BatchedWindow(windowMs);
  let sink: unknown;
  while (w.open) {
    const batch = w.batch;
    for (let i = 0; i < batch; i++) sink = await op();
    w.next();
  }
  keep(sink);
  return w.sample();
}

/** `concurrency` loops awaiting `op` side by side for `windowMs`: throughput with that many calls in flight. */
export async function concurrentOps(op: () => Promise<unknown>, windowMs: number, concurrency: number): Promise<OpsSample> {
  let ops = 0;
  const start = performance.now();
  const end = start + windowMs;
  const worker = async (): Promise<void> => {
    while (performance.now() < end && ops < maxOpsPerWindow) {
      await op();
      ops++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { ops, ms: performance.now() - start };
}

/**
 * Time each call of `op` (one in flight) for `windowMs` into `recorder`; returns the ops/s of
 * the window as well. At most `maxOps` calls, so a window stays bounded in count too.
 */
export async function latencies(
  op: () => Promise<unknown>,
  windowMs: number,
  recorder: LatencyRecorder | undefined,
  maxOps = 1_000_000,
): Promise<OpsSample> {
  let ops = 0;
  const start = performance.now();
  const end = start + windowMs;
  let t = start;
  while (t < end && ops < maxOps) {
    await op();
    const now = performance.now();
    recorder?.recordMs(now - t);
    ops++;
    t = now;
  }
  return { ops, ms: t - start };
}

/** Where measured results go, so the optimiser cannot treat the measured calls as dead. */
export const sink: { last: unknown } = { last: undefined };
function keep(value: unknown): void {
  sink.last = value;
}
