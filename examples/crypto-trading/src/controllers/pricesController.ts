// HTTP for collateral prices: an operator or oracle pushes a quote, anyone reads an asset's latest price.
import { Body, Controller, Inject, Module, NotFoundException, Param, type DynamicModule } from '@nestjs/common';
import { LucentCall, LucentRoute, type CallContext } from '@lucent/nestjs';
import { z } from 'zod';
import { PriceQuote } from '../domain/prices/priceCommands.js';
import { AssetSymbol, type PriceObservation } from '../domain/prices/priceEvents.js';
import type { LatestPrice, PriceOracle } from '../managers/priceOracle.js';
import { roles } from './routeContracts.js';

export const PRICE_ORACLE = Symbol.for('lucent.example.PriceOracle');

/** An asset's latest recorded price. */
export interface LatestPriceResponse extends PriceObservation {
  /** Observations recorded for the asset so far. */
  readonly version: number;
}

export interface PricePushResponse {
  readonly asset: string;
  /** False when the quote barely moved from the last record within its heartbeat: accepted, not stored. */
  readonly recorded: boolean;
  readonly latest: LatestPriceResponse | null;
  /** Global position of the latest record: a client can wait for alerts to have seen it. */
  readonly position: number | null;
}

const QuoteBody = z.strictObject(PriceQuote.shape);
const AssetPath = z.strictObject({ asset: AssetSymbol });

const latestResponse = (latest: LatestPrice): LatestPriceResponse => ({ ...latest.observation, version: latest.version });

@Controller()
export class PricesController {
  constructor(@Inject(PRICE_ORACLE) private readonly oracle: PriceOracle) {}

  /**
   * Body `{ asset, priceUsd, source?, observedAt? }`, checked by the quote contract (400 naming
   * the field, nothing stored); a quote prices.decide refuses (stale, from the future, beyond the
   * circuit breaker) is a 422 RULE_VIOLATED naming the rule.
   */
  @LucentRoute('POST', 'prices', {
    summary: 'Push a collateral price quote (role operator)',
    body: QuoteBody,
    roles: [roles.operator, roles.admin],
    refusals: { 422: 'RULE_VIOLATED: stale, from the future, or beyond the circuit breaker' },
  })
  async push(@LucentCall() call: CallContext, @Body() body: z.output<typeof QuoteBody>): Promise<PricePushResponse> {
    // In the caller's scope: the recorded observation names who pushed it and the request's correlation id.
    const r = await this.oracle.inScope(call).observe(body);
    return {
      asset: r.asset,
      recorded: r.recorded,
      latest: r.latest ? latestResponse(r.latest) : null,
      position: r.latest?.position ?? null,
    };
  }

  @LucentRoute('GET', 'prices/:asset', { summary: 'An asset’s latest recorded price', params: AssetPath, refusals: { 404: 'No price observed for the asset' } })
  async latest(@Param('asset') asset: string): Promise<LatestPriceResponse> {
    const latest = await this.oracle.latest(asset);
    if (latest === undefined) throw new NotFoundException(`No price observed for ${asset}`);
    return latestResponse(latest);
  }
}

/** Mount the price endpoints on a PriceOracle built by `createPriceOracle`. */
@Module({})
export class PricesModule {
  static forRoot(oracle: PriceOracle): DynamicModule {
    return { module: PricesModule, controllers: [PricesController], providers: [{ provide: PRICE_ORACLE, useValue: oracle }] };
  }
}
