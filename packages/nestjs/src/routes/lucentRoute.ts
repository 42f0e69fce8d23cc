// @LucentRoute: one decorator per HTTP route that states its contracts and who may call it; the guard enforces it, OpenAPI documents it.
import { applyDecorators, Delete, Get, HttpCode, Patch, Post, Put, SetMetadata, UseGuards } from '@nestjs/common';
import { LucentRouteGuard } from './lucentRouteGuard.js';
import { ROUTE_SPEC, type HttpMethod, type RegisteredRoute, type RouteSpec } from './routeSpec.js';

export * from './routeSpec.js';

const methods = { GET: Get, POST: Post, PUT: Put, PATCH: Patch, DELETE: Delete } as const;

/**
 * `@LucentRoute('POST', 'positions/:id/deposit', { summary, params, body })` on a controller
 * method: the route, its success status, and LucentRouteGuard, which verifies the caller,
 * checks roles and validates params, query and body (the handler gets the parsed values).
 */
export function LucentRoute(method: HttpMethod, path: string, spec: RouteSpec): MethodDecorator {
  const route: RegisteredRoute = { ...spec, method, path };
  return applyDecorators(methods[method](path), HttpCode(spec.status ?? 200), SetMetadata(ROUTE_SPEC, route), UseGuards(LucentRouteGuard));
}
