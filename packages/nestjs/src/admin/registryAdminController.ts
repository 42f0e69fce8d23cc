// HTTP admin endpoints for the function registry (/admin/registry/...): the same operations as `lucent registry`, admins only.
import { Body, Controller, Inject, Optional, Param, Query, Req, UseFilters, UseGuards } from '@nestjs/common';
import { LucentError, type ChangeAudit, type RulesChangeRecord, type RulesEntry } from '@lucent/core';
import { RegistryAdmin, type RegistryStore, type ShadowPairReport } from '@lucent/runtime';
import { LucentExceptionFilter } from '../errors/lucentExceptionFilter.js';
import { HistoryAnswer, RulesEntryAnswer, RulesListAnswer, ShadowReport } from './adminAnswers.js';
import { ActivateBody, HistoryQuery, JurisdictionsBody, ReasonBody, RouteBody, ShadowBody, WeightsBody } from './adminBodies.js';
import { AdminGuard, adminIdentityKey, type RequestWithAdmin } from './adminGuard.js';
import { activateRequest, historyLimit, jurisdictionsRequest, plainRequest, routeRequest, shadowRequest, weightsRequest } from './adminRequests.js';
import { AdminRoute } from './adminRoute.js';
import { ADMIN_REGISTRY_STORE, ADMIN_SHADOW_REPORTS } from './adminTokens.js';

function audit(request: RequestWithAdmin, why: string, force = false): ChangeAudit {
  const identity = request[adminIdentityKey];
  // The guard always sets it; a missing identity means the guard was bypassed, so refuse.
  if (!identity) throw new LucentError('UNAUTHORIZED', 'No verified identity on the request');
  return force ? { who: identity.subject, why, force } : { who: identity.subject, why };
}

/** How a function's shadow versions compare, and where the counts come from (the shards that answered, this process, the event store). */
export interface ShadowReportAnswer {
  readonly source: string;
  readonly pairs: readonly ShadowPairReport[];
}

const notFound = 'FUNCTION_NOT_FOUND: no rules for this function (or route) in the registry';

/** What every write states in the document: its answer is the entry as stored, and how it can be refused. */
const writes = {
  response: RulesEntryAnswer,
  refusals: { 404: notFound, 409: 'REGISTRY_CONFLICT: other writers kept winning the compare-and-set; retry' } as Record<number, string>,
};

@Controller('admin/registry')
@UseGuards(AdminGuard)
@UseFilters(LucentExceptionFilter)
export class RegistryAdminController {
  private readonly admin: RegistryAdmin;

  constructor(
    @Inject(ADMIN_REGISTRY_STORE) private readonly store: RegistryStore,
    @Optional() @Inject(ADMIN_SHADOW_REPORTS) private readonly shadowReports?: (name: string) => Promise<ShadowReportAnswer>,
  ) {
    this.admin = new RegistryAdmin(store);
  }

  @AdminRoute('GET', '', { summary: "List every function's registry rules", response: RulesListAnswer })
  async list(): Promise<{ functions: RulesEntry[] }> {
    return { functions: await this.store.list() };
  }

  @AdminRoute('GET', ':name', { summary: "One function's registry rules", response: RulesEntryAnswer, refusals: { 404: notFound } })
  async show(@Param('name') name: string): Promise<RulesEntry> {
    const entry = await this.store.get(name);
    if (!entry) throw new LucentError('FUNCTION_NOT_FOUND', `No rules for ${name} in the registry`, { name });
    return entry;
  }

  @AdminRoute('GET', ':name/history', { summary: "The function's recorded rule changes, newest first, with who and why", query: HistoryQuery, response: HistoryAnswer })
  async history(@Param('name') name: string, @Query() query: unknown): Promise<{ changes: RulesChangeRecord[] }> {
    const maxCount = historyLimit(query);
    const changes = await this.store.history(name, { direction: 'backwards', ...(maxCount === undefined ? {} : { maxCount }) });
    return { changes };
  }

  /** Agreed / diverged / failed / skipped / sampled-out counts of the function's shadow runs, with recent divergences (as `lucent registry shadow-report`). */
  @AdminRoute('GET', ':name/shadow-report', {
    summary: 'Agreed, diverged, failed, skipped and sampled-out counts of the shadow runs, with recent divergences',
    response: ShadowReport,
    refusals: { 404: notFound, 503: 'UNAVAILABLE: the service was started without a shadow report source' },
  })
  async shadowReport(@Param('name') name: string): Promise<ShadowReportAnswer & { readonly name: string }> {
    if (!(await this.store.get(name))) throw new LucentError('FUNCTION_NOT_FOUND', `No rules for ${name} in the registry`, { name });
    if (this.shadowReports === undefined) throw new LucentError('UNAVAILABLE', 'This service was started without a shadow report source', { name });
    return { name, ...(await this.shadowReports(name)) };
  }

  @AdminRoute('POST', ':name/activate', {
    summary: 'Send all unweighted traffic to a registered version',
    body: ActivateBody,
    ...writes,
    refusals: { ...writes.refusals, 409: 'CONTRACT_INCOMPATIBLE: the version breaks the active contract (force with a reason), or REGISTRY_CONFLICT' },
  })
  activate(@Param('name') name: string, @Body() body: unknown, @Req() request: RequestWithAdmin): Promise<RulesEntry> {
    const r = activateRequest(body);
    return this.admin.activate(name, r.version, audit(request, r.reason, r.force));
  }

  @AdminRoute('PUT', ':name/weights', { summary: 'Set the percent of keyed traffic per non-active version', body: WeightsBody, ...writes })
  weights(@Param('name') name: string, @Body() body: unknown, @Req() request: RequestWithAdmin): Promise<RulesEntry> {
    const r = weightsRequest(body);
    return this.admin.weights(name, r.weights, audit(request, r.reason));
  }

  @AdminRoute('PUT', ':name/shadow', { summary: 'Run a version beside the live one and compare, or stop (null)', body: ShadowBody, ...writes })
  shadow(@Param('name') name: string, @Body() body: unknown, @Req() request: RequestWithAdmin): Promise<RulesEntry> {
    const r = shadowRequest(body);
    return this.admin.shadow(name, r.version, audit(request, r.reason));
  }

  @AdminRoute('POST', ':name/enable', { summary: 'Serve calls again (kill switch off)', body: ReasonBody, bodyOptional: true, ...writes })
  enable(@Param('name') name: string, @Body() body: unknown, @Req() request: RequestWithAdmin): Promise<RulesEntry> {
    return this.admin.enable(name, audit(request, plainRequest(body, 'enable').reason));
  }

  @AdminRoute('POST', ':name/disable', { summary: 'Refuse every call with FUNCTION_DISABLED (kill switch on)', body: ReasonBody, bodyOptional: true, ...writes })
  disable(@Param('name') name: string, @Body() body: unknown, @Req() request: RequestWithAdmin): Promise<RulesEntry> {
    return this.admin.disable(name, audit(request, plainRequest(body, 'disable').reason));
  }

  @AdminRoute('PUT', ':name/jurisdictions', { summary: 'Set the jurisdictions allowed and denied', body: JurisdictionsBody, bodyOptional: true, ...writes })
  jurisdictions(@Param('name') name: string, @Body() body: unknown, @Req() request: RequestWithAdmin): Promise<RulesEntry> {
    const r = jurisdictionsRequest(body);
    return this.admin.jurisdictions(name, r.rules, audit(request, r.reason));
  }

  /** Add the route, or replace the route of that name where it stands. */
  @AdminRoute('PUT', ':name/routes/:route', { summary: 'Add the route, or replace the route of that name', body: RouteBody, ...writes })
  route(@Param('name') name: string, @Param('route') route: string, @Body() body: unknown, @Req() request: RequestWithAdmin): Promise<RulesEntry> {
    const r = routeRequest(route, body);
    return this.admin.route(name, r.route, audit(request, r.reason));
  }

  @AdminRoute('DELETE', ':name/routes/:route', { summary: 'Remove one route', body: ReasonBody, bodyOptional: true, ...writes })
  removeRoute(@Param('name') name: string, @Param('route') route: string, @Body() body: unknown, @Req() request: RequestWithAdmin): Promise<RulesEntry> {
    return this.admin.removeRoute(name, route, audit(request, plainRequest(body, `remove route ${route}`).reason));
  }

  /** Remove every route; the empty list stays, so a service's default routes are not seeded again. */
  @AdminRoute('DELETE', ':name/routes', { summary: "Remove every route (the empty list stays, so the service's defaults are not seeded again)", body: ReasonBody, bodyOptional: true, ...writes })
  clearRoutes(@Param('name') name: string, @Body() body: unknown, @Req() request: RequestWithAdmin): Promise<RulesEntry> {
    return this.admin.clearRoutes(name, audit(request, plainRequest(body, 'clear routes').reason));
  }
}
