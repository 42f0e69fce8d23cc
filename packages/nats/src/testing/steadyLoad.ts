// Test kit: a bounded, steady load of `test.work` calls through a ClusterClient, recording each call's shard, latency and error.
import type { ClusterClient } from '@lucent/runtime/cluster';

export interface CallOutcome {
  readonly startedAt: number;
  readonly ms: number;
  readonly shard?: string;
  readonly error?: { code: string; message: string };
}

export interface LoadOptions {
  readonly calls: number;
  readonly concurrency: number;
  /** Per-call deadline. */
  readonly timeoutMs: number;
  /** Time `test.work` takes per call. */
  readonly workMs: number;
  /** Stop issuing calls after this long even if `calls` is not reached. */
  readonly maxDurationMs: number;
  /** Called after each finished call with how many have finished. */
  readonly onProgress?: (done: number) => void;
}

export async function steadyLoad(client: ClusterClient, o: LoadOptions): Promise<CallOutcome[]> {
  const out: CallOutcome[] = [];
  const stopAt = Date.now() + o.maxDurationMs;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < o.calls && Date.now() < stopAt) {
      const n = next++;
      const startedAt = Date.now();
      const t = performance.now();
      try {
        const r = await client.invoke('test.work', { n, ms: o.workMs }, { timeoutMs: o.timeoutMs });
        out.push({ startedAt, ms: performance.now() - t, shard: (r.output as { shard: string }).shard });
      } catch (error) {
        const e = error as { code?: string; message?: string };
        out.push({ startedAt, ms: performance.now() - t, error: { code: String(e.code), message: String(e.message) } });
      }
      o.onProgress?.(out.length);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  return out;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export function sharesByShard(outcomes: readonly CallOutcome[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const o of outcomes) if (o.shard) counts.set(o.shard, (counts.get(o.shard) ?? 0) + 1);
  return counts;
}
