// @AdminRoute: one admin endpoint's Nest route with its contracts, recorded where GET /openapi.json reads every route's spec.
import { applyDecorators, Delete, Get, HttpCode, Post, Put, SetMetadata } from '@nestjs/common';
import { ROUTE_SPEC, type HttpMethod, type RegisteredRoute, type RouteSpec } from '../routes/routeSpec.js';

const methods = { GET: Get, POST: Post, PUT: Put, DELETE: Delete } as const;

/**
 * Like @LucentRoute for the document, but without its guard: AdminGuard verifies the admin token,
 * and the handler parses the body with the same contract (adminRequests.ts), so the schema in the
 * document is the one the endpoint enforces. Tagged `admin`, with the default admin role.
 */
export function AdminRoute(method: Exclude<HttpMethod, 'PATCH'>, path: string, spec: RouteSpec): MethodDecorator {
  const route: RegisteredRoute = { tag: 'admin', roles: ['admin'], ...spec, method, path };
  return applyDecorators(methods[method](path), HttpCode(spec.status ?? 200), SetMetadata(ROUTE_SPEC, route));
}
