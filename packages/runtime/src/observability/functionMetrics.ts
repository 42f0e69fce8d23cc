// Per-function call metrics (calls by outcome, duration, in flight) as a FunctionManager observer.
import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { AnyFunctionDefinition } from '@lucent/core';
import type { FunctionObserver } from '../functionManager/functionManager.js';

type FunctionLabels = 'function' | 'version' | 'shard';

/** Seconds; from a sub-millisecond pure call to a heavy one near its deadline. */
const durationBuckets = [0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** One function version's series, looked up once and kept: prom-client's `labels()` hashes its arguments on every call. */
interface Series {
  readonly ok: Counter.Internal;
  readonly error: Counter.Internal;
  readonly duration: Histogram.Internal<'function' | 'version' | 'shard' | 'outcome'>;
  readonly durationError: Histogram.Internal<'function' | 'version' | 'shard' | 'outcome'>;
  readonly inFlight: Gauge.Internal<FunctionLabels>;
}

/**
 * `lucent_function_calls_total{function,version,shard,outcome}`, `lucent_function_duration_seconds`
 * (histogram, same labels) and `lucent_function_in_flight{function,version,shard}`. Outcome is `ok`
 * or `error` (any rejection: a domain refusal, a failure, a deadline).
 */
export class FunctionMetrics implements FunctionObserver {
  private readonly calls: Counter<FunctionLabels | 'outcome'>;
  private readonly duration: Histogram<FunctionLabels | 'outcome'>;
  private readonly inFlight: Gauge<FunctionLabels>;
  private readonly series = new WeakMap<AnyFunctionDefinition, Series>();

  constructor(
    registry: Registry,
    private readonly shard: string,
  ) {
    this.calls = new Counter({
      name: 'lucent_function_calls_total',
      help: 'Function calls run in this process, by outcome (ok or error)',
      labelNames: ['function', 'version', 'shard', 'outcome'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'lucent_function_duration_seconds',
      help: 'Time from the start of a call (after version selection) to its result or error',
      labelNames: ['function', 'version', 'shard', 'outcome'],
      buckets: durationBuckets,
      registers: [registry],
    });
    this.inFlight = new Gauge({
      name: 'lucent_function_in_flight',
      help: 'Calls started and not yet settled',
      labelNames: ['function', 'version', 'shard'],
      registers: [registry],
    });
  }

  onStart(fn: AnyFunctionDefinition): number {
    (this.series.get(fn) ?? this.seriesOf(fn)).inFlight.inc();
    return performance.now();
  }

  onSettle(fn: AnyFunctionDefinition, started: number, error: unknown): void {
    const s = this.series.get(fn) ?? this.seriesOf(fn);
    const seconds = (performance.now() - started) / 1_000;
    s.inFlight.dec();
    if (error === undefined) {
      s.ok.inc();
      s.duration.observe(seconds);
    } else {
      s.error.inc();
      s.durationError.observe(seconds);
    }
  }

  private seriesOf(fn: AnyFunctionDefinition): Series {
    const base = { function: fn.name, version: fn.version, shard: this.shard };
    const ok = { ...base, outcome: 'ok' };
    const error = { ...base, outcome: 'error' };
    const s: Series = {
      ok: this.calls.labels(ok),
      error: this.calls.labels(error),
      duration: this.duration.labels(ok),
      durationError: this.duration.labels(error),
      inFlight: this.inFlight.labels(base),
    };
    // Both outcomes show from the first call, so a rate of errors is 0, not absent.
    s.ok.inc(0);
    s.error.inc(0);
    this.series.set(fn, s);
    return s;
  }
}
