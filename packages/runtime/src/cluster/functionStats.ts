// Per-function latency EWMA and call/error counts on a shard, read (and reset) into each load report.
import type { HostedFunctionLoad } from '@lucent/core';

interface Counters {
  ewmaMs: number | undefined;
  calls: number;
  errors: number;
}

export class FunctionStats {
  private readonly byName = new Map<string, Counters>();

  /** @param alpha weight of the newest sample; 0.2 follows a change within about ten calls without jumping on one outlier. */
  constructor(private readonly alpha = 0.2) {}

  record(name: string, elapsedMs: number, failed: boolean): void {
    let c = this.byName.get(name);
    if (c === undefined) this.byName.set(name, (c = { ewmaMs: undefined, calls: 0, errors: 0 }));
    c.ewmaMs = c.ewmaMs === undefined ? elapsedMs : c.ewmaMs + this.alpha * (elapsedMs - c.ewmaMs);
    c.calls++;
    if (failed) c.errors++;
  }

  /** The report's view of one function; counts restart after each report, the EWMA carries on. */
  take(name: string, versions: readonly string[], enabled: boolean): HostedFunctionLoad {
    const c = this.byName.get(name);
    if (c === undefined) return { versions, enabled, calls: 0, errors: 0 };
    const out: HostedFunctionLoad = {
      versions,
      enabled,
      calls: c.calls,
      errors: c.errors,
      ...(c.ewmaMs === undefined ? {} : { latencyEwmaMs: Math.round(c.ewmaMs * 1000) / 1000 }),
    };
    c.calls = 0;
    c.errors = 0;
    return out;
  }
}
