// GET /console/api/{session,overview,cluster,functions,calls,bundles} and read-only mirrors of a function's audit history and shadow report.
import { Controller, Inject, Param, Query, Req } from '@nestjs/common';
import { LucentError, type RulesChangeRecord } from '@lucent/core';
import { callContextKey, type RequestWithCallContext } from '../callContext/callContext.js';
import type { ShadowReportAnswer } from '../admin/registryAdminController.js';
import type { CallRecord } from './callLog.js';
import type { ClusterAnswer } from './clusterView.js';
import * as answers from './consoleAnswers.js';
import { CONSOLE_RUNTIME, type ConsoleBundle } from './consoleOptions.js';
import { CallsQuery, FunctionParams, HistoryQuery } from './consoleQueries.js';
import { ConsoleRead } from './consoleRead.js';
import { probeStore, type ConsoleRuntime, type SessionAnswer, type StoreStatus } from './consoleRuntime.js';
import { functionEntries, type FunctionEntry } from './functionsView.js';
import type { Holds, SameShape } from '../openapi/sameShape.js';

export interface OverviewAnswer {
  readonly service: { readonly name: string; readonly version: string; readonly startedAt: string; readonly uptimeSec: number; readonly mode: string };
  readonly stores: readonly StoreStatus[];
}

type _OverviewMatchesItsContract = Holds<SameShape<typeof answers.OverviewAnswer, OverviewAnswer>>;

const storeOrder = ['eventStore', 'projections', 'nats', 'registry'] as const;

@Controller('console/api')
export class ConsoleApiController {
  constructor(@Inject(CONSOLE_RUNTIME) private readonly runtime: ConsoleRuntime) {}

  @ConsoleRead('session', { summary: 'Console: who is signed in, with which roles, and whether they may change the registry', response: answers.SessionAnswer })
  session(@Req() request: RequestWithCallContext): SessionAnswer {
    return this.runtime.session(this.runtime.reader(request[callContextKey]));
  }

  @ConsoleRead('overview', { summary: 'Console: the service (name, version, uptime, mode) and the status of its stores', response: answers.OverviewAnswer })
  async overview(): Promise<OverviewAnswer> {
    const { service, stores = [] } = this.runtime.options;
    const started = this.runtime.startedAt;
    const given = new Map(stores.map((s) => [s.name, s]));
    return {
      service: { ...service, startedAt: started.toISOString(), uptimeSec: Math.floor((Date.now() - started.getTime()) / 1_000) },
      stores: await Promise.all(storeOrder.map((name) => probeStore(given.get(name) ?? { name }))),
    };
  }

  @ConsoleRead('cluster', { summary: 'Console: the gateway and every shard with load, versions, breaker and health', response: answers.ClusterAnswer })
  cluster(): ClusterAnswer {
    return this.runtime.cluster.snapshot();
  }

  @ConsoleRead('functions', {
    summary: 'Console: every function with versions, weights, rates, shadow, kill switch, jurisdiction and placement rules',
    response: answers.FunctionsAnswer,
  })
  async functions(): Promise<{ functions: FunctionEntry[] }> {
    const { registry, functions, calls, shadowPercent } = this.runtime.options;
    const entries = registry === undefined ? [] : await registry.list();
    return { functions: functionEntries(entries, functions?.() ?? [], calls?.rates() ?? new Map(), shadowPercent) };
  }

  @ConsoleRead('calls', {
    summary: 'Console: recent calls this process made or routed, newest first (filter by function, code, user, outcome)',
    query: CallsQuery,
    response: answers.CallsAnswer,
  })
  calls(@Query() query: CallsQuery): { calls: CallRecord[] } {
    const { limit, ...filter } = query;
    return { calls: this.runtime.options.calls?.recent(filter, limit) ?? [] };
  }

  @ConsoleRead('bundles', {
    summary: 'Console: bundles the nodes loaded, and those they refused with the reason (deployer false: functions are compiled in)',
    response: answers.BundlesAnswer,
  })
  async bundles(): Promise<{ deployer: boolean; bundles: readonly ConsoleBundle[] }> {
    const source = this.runtime.options.bundles;
    return source === undefined ? { deployer: false, bundles: [] } : { deployer: true, bundles: await source() };
  }

  @ConsoleRead('functions/:name/history', {
    summary: "Console: a function's registry changes (who, why, when), newest first",
    params: FunctionParams,
    query: HistoryQuery,
    response: answers.HistoryAnswer,
    refusals: { 503: 'No registry' },
  })
  async history(@Param('name') name: string, @Query() query: HistoryQuery): Promise<{ changes: RulesChangeRecord[] }> {
    const registry = this.runtime.options.registry;
    if (registry === undefined) throw new LucentError('UNAVAILABLE', 'This console was started without a registry', { name });
    return { changes: await registry.history(name, { direction: 'backwards', maxCount: query.limit }) };
  }

  @ConsoleRead('functions/:name/shadow-report', {
    summary: "Console: how a function's shadow version compares with the live one, with recent divergences",
    params: FunctionParams,
    response: answers.ShadowReport,
    refusals: { 503: 'No shadow report source' },
  })
  async shadowReport(@Param('name') name: string): Promise<ShadowReportAnswer & { readonly name: string }> {
    const reports = this.runtime.options.shadowReports;
    if (reports === undefined) throw new LucentError('UNAVAILABLE', 'This console was started without a shadow report source', { name });
    return { name, ...(await reports(name)) };
  }
}
