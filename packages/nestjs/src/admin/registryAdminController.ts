// HTTP admin endpoints for the function registry (/admin/registry/...): the same operations as `lucent registry`, admins only.
import { Body, Controller, Delete, Get, HttpCode, Inject, Optional, Param, Post, Put, Query, Req, UseFilters, UseGuards } from '@nestjs/common';
import { LucentError, ValidationError, type ChangeAudit, type RulesChangeRecord, type RulesEntry } from '@lucent/core';
import { RegistryAdmin, type RegistryStore, type ShadowPairReport } from '@lucent/runtime';
import { LucentExceptionFilter } from '../errors/lucentExceptionFilter.js';
import { AdminGuard, adminIdentityKey, type RequestWithAdmin } from './adminGuard.js';
import { activateRequest, jurisdictionsRequest, plainRequest, routeRequest, shadowRequest, weightsRequest } from './adminRequests.js';
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

  @Get()
  async list(): Promise<{ functions: RulesEntry[] }> {
    return { functions: await this.store.list() };
  }

  @Get(':name')
  async show(@Param('name') name: string): Promise<RulesEntry> {
    const entry = await this.store.get(name);
    if (!entry) throw new LucentError('FUNCTION_NOT_FOUND', `No rules for ${name} in the registry`, { name });
    return entry;
  }

  @Get(':name/history')
  async history(@Param('name') name: string, @Query('limit') limit?: string): Promise<{ changes: RulesChangeRecord[] }> {
    const maxCount = limit === undefined ? undefined : Number(limit);
    if (maxCount !== undefined && (!Number.isInteger(maxCount) || maxCount < 1)) {
      throw new ValidationError('input', 'history request', [{ path: 'limit', message: 'must be a positive integer' }]);
    }
    const changes = await this.store.history(name, { direction: 'backwards', ...(maxCount === undefined ? {} : { maxCount }) });
    return { changes };
  }

  /** Agreed / diverged / failed / skipped / sampled-out counts of the function's shadow runs, with recent divergences (as `lucent registry shadow-report`). */
  @Get(':name/shadow-report')
  async shadowReport(@Param('name') name: string): Promise<ShadowReportAnswer & { readonly name: string }> {
    if (!(await this.store.get(name))) throw new LucentError('FUNCTION_NOT_FOUND', `No rules for ${name} in the registry`, { name });
    if (this.shadowReports === undefined) throw new LucentError('UNAVAILABLE', 'This service was started without a shadow report source', { name });
    return { name, ...(await this.shadowReports(name)) };
  }

  @Post(':name/activate')
  @HttpCode(200)
  activate(@Param('name') name: string, @Body() body: unknown, @Req() request: RequestWithAdmin): Promise<RulesEntry> {
    const r = activateRequest(body);
    return this.admin.activate(name, r.version, audit(request, r.reason, r.force));
  }

  @Put(':name/weights')
  weights(@Param('name') name: string, @Body() body: unknown, @Req() request: RequestWithAdmin): Promise<RulesEntry> {
    const r = weightsRequest(body);
    return this.admin.weights(name, r.weights, audit(request, r.reason));
  }

  @Put(':name/shadow')
  shadow(@Param('name') name: string, @Body() body: unknown, @Req() request: RequestWithAdmin): Promise<RulesEntry> {
    const r = shadowRequest(body);
    return this.admin.shadow(name, r.version, audit(request, r.reason));
  }

  @Post(':name/enable')
  @HttpCode(200)
  enable(@Param('name') name: string, @Body() body: unknown, @Req() request: RequestWithAdmin): Promise<RulesEntry> {
    return this.admin.enable(name, audit(request, plainRequest(body, 'enable').reason));
  }

  @Post(':name/disable')
  @HttpCode(200)
  disable(@Param('name') name: string, @Body() body: unknown, @Req() request: RequestWithAdmin): Promise<RulesEntry> {
    return this.admin.disable(name, audit(request, plainRequest(body, 'disable').reason));
  }

  @Put(':name/jurisdictions')
  jurisdictions(@Param('name') name: string, @Body() body: unknown, @Req() request: RequestWithAdmin): Promise<RulesEntry> {
    const r = jurisdictionsRequest(body);
    return this.admin.jurisdictions(name, r.rules, audit(request, r.reason));
  }

  /** Add the route, or replace the route of that name where it stands. */
  @Put(':name/routes/:route')
  route(@Param('name') name: string, @Param('route') route: string, @Body() body: unknown, @Req() request: RequestWithAdmin): Promise<RulesEntry> {
    const r = routeRequest(route, body);
    return this.admin.route(name, r.route, audit(request, r.reason));
  }

  @Delete(':name/routes/:route')
  removeRoute(@Param('name') name: string, @Param('route') route: string, @Body() body: unknown, @Req() request: RequestWithAdmin): Promise<RulesEntry> {
    return this.admin.removeRoute(name, route, audit(request, plainRequest(body, `remove route ${route}`).reason));
  }

  /** Remove every route; the empty list stays, so a service's default routes are not seeded again. */
  @Delete(':name/routes')
  clearRoutes(@Param('name') name: string, @Body() body: unknown, @Req() request: RequestWithAdmin): Promise<RulesEntry> {
    return this.admin.clearRoutes(name, audit(request, plainRequest(body, 'clear routes').reason));
  }
}
