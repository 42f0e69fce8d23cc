// PriceOracle: the shell that polls an exchange's prices, records the quotes prices.decide accepts, and answers the latest price.
import { ConcurrencyError, LucentError, validate, type Logger } from '@lucent/core';
import { LucentServiceBase, type EventStore, type Invoker, type Scheduler } from '@lucent/runtime';
import { assetParameters } from '../domain/positions/assetParameters.js';
import { PriceQuote, defaultPriceGuards, type PriceCommand, type PriceGuards } from '../domain/prices/priceCommands.js';
import { priceDecider, type PriceState } from '../domain/prices/priceDecider.js';
import { priceStream, type PriceObservation } from '../domain/prices/priceEvents.js';
import type { ExchangePriceFeed } from '../ports/exchangePriceFeed.js';
import { SimulatedExchangeFeed } from '../ports/simulatedExchangeFeed.js';
import type { FunctionRegistry } from '../registry/functionRegistry.js';
import type { Infrastructure } from './infrastructure.js';

export type { ExchangePriceFeed } from '../ports/exchangePriceFeed.js';

/** An asset's last recorded observation and its version in the asset's price stream. */
export interface LatestPrice {
  readonly observation: PriceObservation;
  readonly version: number;
  /** Global position of the event that recorded it. */
  readonly position: number;
}

/** The last observation of `asset`: one event read backwards, whatever the length of the history. */
export async function readLatestPrice(events: EventStore, asset: string): Promise<LatestPrice | undefined> {
  const [last] = await events.readStream(priceStream(asset), { direction: 'backwards', maxCount: 1 });
  if (last === undefined) return undefined;
  return { observation: last.data as PriceObservation, version: last.streamVersion, position: last.globalPosition };
}

export interface PriceObservationResult {
  readonly asset: string;
  /** False when the quote was accepted but not worth recording (it moved less than minMove within the heartbeat). */
  readonly recorded: boolean;
  /** The asset's latest recorded observation after this call. */
  readonly latest: LatestPrice | undefined;
}

/** One asset's outcome in a poll: recorded or not, or the typed error that refused it. */
export type PollOutcome =
  | { readonly asset: string; readonly recorded: boolean }
  | { readonly asset: string; readonly refused: string; readonly message: string };

export interface PriceOracleOptions {
  readonly events: EventStore;
  /** Runs prices.decide: this process, or a shard. */
  readonly functions: Invoker;
  readonly scheduler: Scheduler;
  /** The exchange; the deterministic SimulatedExchangeFeed by default. */
  readonly feed?: ExchangePriceFeed;
  /** Assets polled (default: those in the asset-parameters table). */
  readonly assets?: readonly string[];
  /** Cron expression of the poll (six fields for seconds; default every 10 s); null: no polling. */
  readonly pollExpression?: string | null;
  /** Overrides of the circuit breaker and recording bounds. */
  readonly guards?: Partial<PriceGuards>;
  /** Stamps quotes pushed without an observedAt (default Date.now). */
  readonly clock?: () => number;
  readonly logger?: Logger;
}

const pollJob = 'crypto.price-poll';
const pollHandler = 'crypto.prices.poll';
const attempts = 3;

/**
 * Records prices: quotes come from the exchange feed (a cron job on the shared Scheduler, so one
 * node polls each tick) or are pushed (HTTP); each goes through the routable `prices.decide`,
 * and what it returns is appended to `prices-<asset>`, stamped with the scope's ids (a pushed quote's
 * view carries the caller's). No rule lives here.
 */
export class PriceOracle extends LucentServiceBase<FunctionRegistry> {
  readonly feed: ExchangePriceFeed;
  readonly assets: readonly string[];
  private readonly guards: PriceGuards;
  private readonly clock: () => number;

  constructor(private readonly options: PriceOracleOptions) {
    super({ invoker: options.functions, events: options.events, ...(options.logger !== undefined && { logger: options.logger }) }, 'prices');
    this.feed = options.feed ?? new SimulatedExchangeFeed();
    this.assets = options.assets ?? Object.keys(assetParameters);
    this.guards = { ...defaultPriceGuards, ...options.guards };
    this.clock = options.clock ?? Date.now;
    options.scheduler.handle(pollHandler, (f) => this.pollOnce(f.firingKey).then(() => undefined));
  }

  /** Arm the poll job (idempotent across nodes), or cancel a stored one when polling is off. */
  async arm(): Promise<void> {
    const expression = this.options.pollExpression === undefined ? '*/10 * * * * *' : this.options.pollExpression;
    if (expression === null) {
      await this.options.scheduler.cancel(pollJob);
      return;
    }
    // An old quote is worth nothing after downtime: skip missed polls, take the next.
    await this.options.scheduler.cron({ id: pollJob, expression, handler: pollHandler, misfire: 'skip' });
  }

  /**
   * Check `quote` against the quote contract (a bad one is a VALIDATION_FAILED naming the field,
   * and nothing is stored), then record it if `prices.decide` accepts it (RULE_VIOLATED if not).
   */
  async observe(
    quote: unknown,
    options: { readonly idempotencyKey?: string; readonly idempotencyPayload?: unknown } = {},
  ): Promise<PriceObservationResult> {
    const q = await validate(PriceQuote, quote, 'input', 'price quote');
    const { events } = this.options;
    const command: PriceCommand = {
      type: 'ObservePrice',
      asset: q.asset,
      priceUsd: q.priceUsd,
      source: q.source,
      observedAt: q.observedAt ?? this.clock(),
      guards: this.guards,
    };
    for (let attempt = 1; ; attempt++) {
      const latest = await readLatestPrice(events, q.asset);
      const state: PriceState = latest ? priceDecider.evolve(priceDecider.initialState(), { type: 'PriceObserved', data: latest.observation }) : priceDecider.initialState();
      const { output: decided } = await this.call('prices.decide', { command, state }, { attempt });
      if (decided.length === 0) return { asset: q.asset, recorded: false, latest };
      try {
        const version = latest?.version ?? 0;
        const r = await this.publish(
          priceStream(q.asset),
          decided.map((e) => ({ type: e.type, data: e.data })),
          {
            expectedVersion: version === 0 ? 'noStream' : version,
            // The key stands for the quote as given (a retry decides again, with a fresh clock when the quote has none).
            ...(options.idempotencyKey !== undefined && { idempotencyKey: options.idempotencyKey, idempotencyPayload: options.idempotencyPayload ?? q }),
          },
        );
        return { asset: q.asset, recorded: !r.duplicate, latest: await readLatestPrice(events, q.asset) };
      } catch (error) {
        // Another writer recorded a quote first: decide again on its observation (ours may now be stale).
        if (!(error instanceof ConcurrencyError) || attempt >= attempts) throw error;
      }
    }
  }

  /** The latest recorded price of `asset`, undefined before its first observation. */
  latest(asset: string): Promise<LatestPrice | undefined> {
    return readLatestPrice(this.options.events, asset);
  }

  /**
   * Ask the exchange for each asset and record what is accepted. A failing exchange or a refused
   * quote is logged and does not stop the other assets; `runKey` keys the appends of one cron run.
   */
  async pollOnce(runKey?: string): Promise<PollOutcome[]> {
    const outcomes: PollOutcome[] = [];
    for (const asset of this.assets) {
      try {
        const quote = await this.feed.quote(asset);
        const r = await this.observe(
          { asset, priceUsd: quote.priceUsd, observedAt: quote.observedAt, source: this.feed.name },
          // A rerun of the same cron run fetches a new quote, yet records nothing: the run and asset are the request.
          runKey === undefined ? {} : { idempotencyKey: `${runKey}:${asset}`, idempotencyPayload: { run: runKey, asset } },
        );
        outcomes.push({ asset, recorded: r.recorded });
      } catch (error) {
        const refused = error instanceof LucentError ? error.code : 'EXCHANGE_FAILED';
        const message = error instanceof Error ? error.message : String(error);
        this.log.warn('price quote not recorded', { asset, source: this.feed.name, refused, message });
        outcomes.push({ asset, refused, message });
      }
    }
    return outcomes;
  }
}

export interface PriceOracleConfig extends Omit<PriceOracleOptions, 'events' | 'scheduler'> {
  readonly infrastructure: Pick<Infrastructure, 'events' | 'scheduler'>;
}

/** Build the oracle on the service's event store and Scheduler and arm its poll; it polls once the Scheduler starts. */
export async function createPriceOracle(config: PriceOracleConfig): Promise<PriceOracle> {
  const { infrastructure, ...rest } = config;
  const oracle = new PriceOracle({ ...rest, events: infrastructure.events, scheduler: infrastructure.scheduler });
  await oracle.arm();
  return oracle;
}
