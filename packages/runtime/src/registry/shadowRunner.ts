// Runs shadow versions beside live ones, off the caller's path, and records how often their outputs agree.
import { Counter, Registry } from 'prom-client';
import { bucketOf, canonicalJson, silentLogger, type Logger } from '@lucent/core';
import type { EventStore } from '../eventStore/eventStore.js';
import type { FunctionManager, ShadowCall } from '../functionManager/functionManager.js';

export const shadowStreamOf = (name: string): string => `shadow-${name}`;

export interface ShadowRunnerOptions {
  readonly manager: FunctionManager;
  /** Divergence events and periodic tallies go here, so any process can build the report. */
  readonly eventStore?: EventStore;
  /** prom-client registry for `lucent_shadow_comparisons_total`; a private one when omitted. */
  readonly metrics?: Registry;
  readonly logger?: Logger;
  /** Shadow runs allowed at once; beyond it a comparison is skipped, never queued, to protect live traffic (default 64). */
  readonly maxInFlight?: number;
  /**
   * Fraction (0..1) of the calls with a shadow version that run it (default 1). Chosen by the call's
   * correlation id, so a replay of a call makes the same choice; the rest count as `sampledOut`.
   */
  readonly sampleRate?: number;
  /** Divergences kept in memory per live/shadow pair, newest first, for `lucent registry shadow-report` (default 5). */
  readonly examples?: number;
  /** How often tallies are written to the event store (default 5,000 ms). */
  readonly flushIntervalMs?: number;
}

type Outcome = 'agreed' | 'diverged' | 'failed' | 'skipped' | 'sampledOut';

interface Tally {
  readonly name: string;
  readonly live: string;
  readonly shadow: string;
  agreed: number;
  diverged: number;
  failed: number;
  /** Not compared: `maxInFlight` shadow runs were already running (load protection). */
  skipped: number;
  /** Not compared: left out by `sampleRate`. */
  sampledOut: number;
}

/** One call where the shadow's output differed from the live one. */
export interface ShadowDivergence {
  readonly at: number;
  readonly correlationId?: string;
  readonly input: unknown;
  readonly liveOutput: unknown;
  readonly shadowOutput: unknown;
}

export interface ShadowPairReport {
  readonly name: string;
  readonly live: string;
  readonly shadow: string;
  readonly agreed: number;
  readonly diverged: number;
  readonly failed: number;
  readonly skipped: number;
  readonly sampledOut: number;
  /** agreed / (agreed + diverged); null before any comparison. */
  readonly agreementRate: number | null;
  /** Recent divergences, newest first (a few per pair). */
  readonly examples: readonly ShadowDivergence[];
}

const emptyTally = (name: string, live: string, shadow: string): Tally => ({ name, live, shadow, agreed: 0, diverged: 0, failed: 0, skipped: 0, sampledOut: 0 });

const rate = (t: Pick<Tally, 'agreed' | 'diverged'>): number | null =>
  t.agreed + t.diverged === 0 ? null : t.agreed / (t.agreed + t.diverged);

/** JSON as it would cross the wire, then with sorted keys: two outputs agree when these texts are equal. */
const comparable = (value: unknown): string => canonicalJson(JSON.parse(JSON.stringify(value ?? null)) as unknown);

export class ShadowRunner {
  readonly metrics: Registry;
  private readonly counter: Counter<'function' | 'live_version' | 'shadow_version' | 'outcome'>;
  private readonly totals = new Map<string, Tally>();
  private pending = new Map<string, Tally>();
  private readonly logger: Logger;
  private readonly maxInFlight: number;
  /** Calls in the sample: the correlation id's bucket (0..9,999) is below this. */
  private readonly sampleBuckets: number;
  private readonly examples = new Map<string, ShadowDivergence[]>();
  private inFlight = 0;
  private readonly idle = new Set<() => void>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly options: ShadowRunnerOptions) {
    this.metrics = options.metrics ?? new Registry();
    this.logger = options.logger ?? silentLogger;
    this.maxInFlight = options.maxInFlight ?? 64;
    const sampleRate = options.sampleRate ?? 1;
    if (!(sampleRate >= 0 && sampleRate <= 1)) throw new RangeError(`sampleRate must be between 0 and 1, not ${sampleRate}`);
    this.sampleBuckets = Math.round(sampleRate * 10_000);
    this.counter = new Counter({
      name: 'lucent_shadow_comparisons_total',
      help: 'Shadow version runs compared with the live version, by outcome',
      labelNames: ['function', 'live_version', 'shadow_version', 'outcome'],
      registers: [this.metrics],
    });
  }

  /** Start receiving shadow calls from the manager. */
  start(): this {
    this.options.manager.setShadowObserver((call) => this.observe(call));
    if (this.options.eventStore !== undefined) {
      this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs ?? 5_000);
      this.timer.unref?.();
    }
    return this;
  }

  private observe(call: ShadowCall): void {
    if (this.sampleBuckets < 10_000 && bucketOf(call.options.correlationId ?? '', 0x5ad0) >= this.sampleBuckets) {
      this.count(call, 'sampledOut');
      return;
    }
    if (this.inFlight >= this.maxInFlight) {
      this.count(call, 'skipped');
      return;
    }
    this.inFlight++;
    // setImmediate: the caller already has its reply; the shadow waits for the event loop's next turn.
    setImmediate(() => {
      void this.compare(call).finally(() => {
        this.inFlight--;
        if (this.inFlight === 0) for (const done of [...this.idle]) done();
      });
    });
  }

  private async compare(call: ShadowCall): Promise<void> {
    let shadowOutput: unknown;
    try {
      shadowOutput = (await this.options.manager.run(call.shadow, call.input, call.options)).output;
    } catch (error) {
      this.count(call, 'failed');
      await this.record(call, 'ShadowFailed', { error: String(error) });
      return;
    }
    if (comparable(shadowOutput) === comparable(call.result.output)) {
      this.count(call, 'agreed');
      return;
    }
    this.count(call, 'diverged');
    const at = this.keepExample(call, shadowOutput);
    await this.record(call, 'ShadowDiverged', { liveOutput: call.result.output, shadowOutput, at });
  }

  /** Keep it among the pair's recent divergences; returns the time it is dated with (the call's clock reading). */
  private keepExample(call: ShadowCall, shadowOutput: unknown): number {
    const key = `${call.name}\u0000${call.live.version}\u0000${call.shadow.version}`;
    const kept = this.examples.get(key) ?? [];
    const example: ShadowDivergence = {
      at: call.options.now ?? Date.now(),
      ...(call.options.correlationId === undefined ? {} : { correlationId: call.options.correlationId }),
      input: call.input,
      liveOutput: call.result.output,
      shadowOutput,
    };
    this.examples.set(key, [example, ...kept].slice(0, this.options.examples ?? 5));
    return example.at;
  }

  private count(call: ShadowCall, outcome: Outcome): void {
    const key = `${call.name}\u0000${call.live.version}\u0000${call.shadow.version}`;
    for (const map of [this.totals, this.pending]) {
      let t = map.get(key);
      if (t === undefined) map.set(key, (t = emptyTally(call.name, call.live.version, call.shadow.version)));
      t[outcome]++;
    }
    this.counter.inc({ function: call.name, live_version: call.live.version, shadow_version: call.shadow.version, outcome });
  }

  private async record(call: ShadowCall, type: string, data: Record<string, unknown>): Promise<void> {
    if (this.options.eventStore === undefined) return;
    try {
      await this.options.eventStore.append(shadowStreamOf(call.name), [
        {
          type,
          data: {
            name: call.name,
            liveVersion: call.live.version,
            shadowVersion: call.shadow.version,
            input: call.input,
            ...data,
          },
          metadata: { correlationId: call.options.correlationId },
        },
      ]);
    } catch (error) {
      this.logger.warn('could not record a shadow comparison', { function: call.name, error: String(error) });
    }
  }

  /** Write the tallies gathered since the last flush as `ShadowTally` events. */
  async flush(): Promise<void> {
    const store = this.options.eventStore;
    if (store === undefined || this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    for (const t of batch.values()) {
      await store
        .append(shadowStreamOf(t.name), [{ type: 'ShadowTally', data: { ...t } }])
        .catch((error: unknown) => this.logger.warn('could not write a shadow tally', { function: t.name, error: String(error) }));
    }
  }

  /** Resolves when no shadow run is in flight (tests, shutdown). */
  settled(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.idle.delete(done);
        resolve();
      };
      this.idle.add(done);
    });
  }

  /** This process's comparisons since it started. */
  localReport(name?: string): ShadowPairReport[] {
    return [...this.totals.entries()]
      .filter(([, t]) => name === undefined || t.name === name)
      .map(([key, t]) => ({ ...t, agreementRate: rate(t), examples: this.examples.get(key) ?? [] }));
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.options.manager.setShadowObserver(undefined);
    await this.settled();
    await this.flush();
  }
}

/**
 * Agreement of shadow versions of one function across every process, from the tallies in the event
 * store, with the latest `examples` divergences per pair from its `ShadowDiverged` events.
 */
export async function shadowReport(events: EventStore, name: string, examples = 5): Promise<ShadowPairReport[]> {
  const pairs = new Map<string, Tally>();
  const diverged = new Map<string, ShadowDivergence[]>();
  const tally = (live: string, shadow: string): Tally => {
    const key = `${live}\u0000${shadow}`;
    let t = pairs.get(key);
    if (t === undefined) pairs.set(key, (t = emptyTally(name, live, shadow)));
    return t;
  };
  for (const e of await events.readStream(shadowStreamOf(name))) {
    if (e.type === 'ShadowDiverged') {
      const d = e.data as { liveVersion: string; shadowVersion: string; input: unknown; liveOutput: unknown; shadowOutput: unknown; at?: number };
      tally(d.liveVersion, d.shadowVersion);
      const key = `${d.liveVersion}\u0000${d.shadowVersion}`;
      const correlationId = e.metadata.correlationId;
      const example: ShadowDivergence = {
        at: d.at ?? e.timestamp,
        ...(correlationId === undefined ? {} : { correlationId }),
        input: d.input,
        liveOutput: d.liveOutput,
        shadowOutput: d.shadowOutput,
      };
      diverged.set(key, [example, ...(diverged.get(key) ?? [])].slice(0, examples));
      continue;
    }
    if (e.type !== 'ShadowTally') continue;
    const d = e.data as Tally;
    const t = tally(d.live, d.shadow);
    t.agreed += d.agreed;
    t.diverged += d.diverged;
    t.failed += d.failed;
    t.skipped += d.skipped;
    t.sampledOut += d.sampledOut ?? 0;
  }
  return [...pairs.entries()].map(([key, t]) => ({ ...t, agreementRate: rate(t), examples: diverged.get(key) ?? [] }));
}

/** Sum the reports of several processes (each shard's `localReport`): counts add up, examples are merged newest first. */
export function mergeShadowReports(reports: readonly (readonly ShadowPairReport[])[], examples = 5): ShadowPairReport[] {
  const pairs = new Map<string, Tally & { examples: ShadowDivergence[] }>();
  for (const report of reports) {
    for (const r of report) {
      const key = `${r.name}\u0000${r.live}\u0000${r.shadow}`;
      let t = pairs.get(key);
      if (t === undefined) pairs.set(key, (t = { ...emptyTally(r.name, r.live, r.shadow), examples: [] }));
      t.agreed += r.agreed;
      t.diverged += r.diverged;
      t.failed += r.failed;
      t.skipped += r.skipped;
      t.sampledOut += r.sampledOut ?? 0;
      t.examples = [...t.examples, ...r.examples].sort((a, b) => b.at - a.at).slice(0, examples);
    }
  }
  return [...pairs.values()].map((t) => ({ ...t, agreementRate: rate(t) }));
}
