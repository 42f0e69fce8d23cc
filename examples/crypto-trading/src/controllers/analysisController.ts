// HTTP for the risk, yield and arbitrage services: a position's health and yield now, and a scan of venue quotes for arbitrage.
import { Body, Controller, Inject, Module, NotFoundException, Param, Res, type DynamicModule } from '@nestjs/common';
import { assertMayAccess, LucentCall, LucentRoute, type CallContext } from '@lucent/nestjs';
import { z } from 'zod';
import { feeRate, positiveAssetAmount, positivePrice } from '../domain/bounds.js';
import { AssetSymbol } from '../domain/prices/priceEvents.js';
import type { AnalysisServices } from '../managers/analysisServices.js';
import type { ArbitrageFunctionManager, ArbitrageScan } from '../managers/arbitrageFunctionManager.js';
import type { PositionRisk, RiskFunctionManager } from '../managers/riskFunctionManager.js';
import type { PositionYield, YieldFunctionManager } from '../managers/yieldFunctionManager.js';
import { placementHeaders, type HeaderReply } from './placementHeaders.js';
import { pathOf } from './routeContracts.js';

export const RISK_MANAGER = Symbol.for('lucent.example.RiskFunctionManager');
export const YIELD_MANAGER = Symbol.for('lucent.example.YieldFunctionManager');
export const ARBITRAGE_MANAGER = Symbol.for('lucent.example.ArbitrageFunctionManager');

const Quote = z.strictObject({ venue: z.string().min(1).max(50), bid: positivePrice, ask: positivePrice, takerFeeRate: feeRate });
const ScanBody = z
  .strictObject({ asset: AssetSymbol, quantity: positiveAssetAmount, quotes: z.array(Quote).min(2).max(20) })
  .superRefine(({ quotes }, issues) => {
    const seen = new Set<string>();
    quotes.forEach((q, i) => {
      if (seen.has(q.venue)) issues.addIssue({ code: 'custom', path: ['quotes', i, 'venue'], message: 'names a venue quoted twice' });
      seen.add(q.venue);
    });
  });

/** Each answer names where its function calls ran: `x-lucent-shard` and `x-lucent-version` (see placementHeaders). */
@Controller()
export class AnalysisController {
  constructor(
    @Inject(RISK_MANAGER) private readonly risk: RiskFunctionManager,
    @Inject(YIELD_MANAGER) private readonly yields: YieldFunctionManager,
    @Inject(ARBITRAGE_MANAGER) private readonly arbitrage: ArbitrageFunctionManager,
  ) {}

  @LucentRoute('GET', 'positions/:id/risk', { summary: 'A position’s health factor and liquidation price at the latest collateral price', params: pathOf('id'), answersPlacement: true, refusals: { 404: 'No such position' } })
  async positionRisk(@LucentCall() call: CallContext, @Param('id') id: string, @Res({ passthrough: true }) reply: HeaderReply): Promise<PositionRisk> {
    const risk = await this.risk.inScope({ ...call, placed: placementHeaders(reply) }).positionRisk(id);
    assertMayAccess(call, risk?.owner, `Position ${id}`);
    if (risk === undefined) throw new NotFoundException(`No position ${id}`);
    return risk;
  }

  @LucentRoute('GET', 'yield/positions/:id', { summary: 'What a position’s collateral earns at its supply rate, valued at the latest price', params: pathOf('id'), answersPlacement: true, refusals: { 404: 'No such position, or no supply rate for its collateral' } })
  async positionYield(@LucentCall() call: CallContext, @Param('id') id: string, @Res({ passthrough: true }) reply: HeaderReply): Promise<PositionYield> {
    const estimate = await this.yields.inScope({ ...call, placed: placementHeaders(reply) }).positionYield(id);
    assertMayAccess(call, estimate?.owner, `Position ${id}`);
    if (estimate === undefined) throw new NotFoundException(`No position ${id}, or no supply rate for its collateral`);
    return estimate;
  }

  /** Body `{ asset, quantity, quotes: [{ venue, bid, ask, takerFeeRate }] }`: every buy-here/sell-there pair is priced. */
  @LucentRoute('POST', 'arbitrage/scan', { summary: 'Price every pair of venue quotes for a cross-venue arbitrage; the best is recorded', body: ScanBody, status: 200, answersPlacement: true })
  scan(@LucentCall() call: CallContext, @Body() body: z.output<typeof ScanBody>, @Res({ passthrough: true }) reply: HeaderReply): Promise<ArbitrageScan> {
    return this.arbitrage.inScope({ ...call, placed: placementHeaders(reply) }).scan(body);
  }
}

/** Mount the risk, yield and arbitrage endpoints on their service classes. */
@Module({})
export class AnalysisModule {
  static forRoot(services: AnalysisServices): DynamicModule {
    return {
      module: AnalysisModule,
      controllers: [AnalysisController],
      providers: [
        { provide: RISK_MANAGER, useValue: services.risk },
        { provide: YIELD_MANAGER, useValue: services.yields },
        { provide: ARBITRAGE_MANAGER, useValue: services.arbitrage },
      ],
    };
  }
}
