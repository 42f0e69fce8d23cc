// Runs shadow versions beside live ones, off the caller's path, and records how often their outputs agree.
import { Counter, Registry } from 'prom-client';
import { canonicalJson, silentLogger, type Logger } from '@lucent/core';
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
  /** How often tallies are written to the event store (default 5,000 ms). */
  readonly flushIntervalMs?: number;
}

type Outcome = 'agreed' | 'diverged' | 'failed' | 'skipped';

interface Tally {
  readonly name: string;
  readonly live: string;
  readonly shadow: string;
  agreed: number;
  diverged: number;
  failed: number;
  skipped: number;
}

export interface ShadowPairReport {
  readonly name: string;
  readonly live: string;
  readonly shadow: string;
  readonly agreed: number;
  readonly diverged: number;
  readonly failed: number;
  readonly skipped: number;
  /** agreed / (agreed + diverged); null before any comparison. */
  readonly agreementRate: number | null;
}

const emptyTally = (name: string, live: string, shadow: string): Tally => ({ name, live, shadow, agreed: 0, diverged: 0, failed: 0, skipped: 0 });

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
  private inFlight = 0;
  private readonly idle = new Set<() => void>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly options: ShadowRunnerOptions) {
    this.metrics = options.metrics ?? new Registry();
    this.logger = options.logger ?? silentLogger;
    this.maxInFlight = options.maxInFlight ?? 64;
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
    await this.record(call, 'ShadowDiverged', { liveOutput: call.result.output, shadowOutput });
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
    return [...this.totals.values()].filter((t) => name === undefined || t.name === name).map((t) => ({ ...t, agreementRate: rate(t) }));
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.options.manager.setShadowObserver(undefined);
    await this.settled();
    await this.flush();
  }
}

/** Agreement of shadow versions of one function across every process, from the tallies in the event store. */
export async function shadowReport(events: EventStore, name: string): Promise<ShadowPairReport[]> {
  const pairs = new Map<string, Tally>();
  for (const e of await events.readStream(shadowStreamOf(name))) {
    if (e.type !== 'ShadowTally') continue;
    const d = e.data as Tally;
    const key = `${d.live}\u0000${d.shadow}`;
    let t = pairs.get(key);
    if (t === undefined) pairs.set(key, (t = emptyTally(name, d.live, d.shadow)));
    t.agreed += d.agreed;
    t.diverged += d.diverged;
    t.failed += d.failed;
    t.skipped += d.skipped;
  }
  return [...pairs.values()].map((t) => ({ ...t, agreementRate: rate(t) }));
}
