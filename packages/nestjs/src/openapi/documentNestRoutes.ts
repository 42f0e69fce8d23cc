// Gives each Nest handler that carries no @LucentRoute spec one made from its own route, so GET /openapi.json lists it.
import { RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ROUTE_SPEC, type HttpMethod, type RegisteredRoute } from '../routes/routeSpec.js';

/**
 * For every handler of `controllers` with a Nest route and no spec, record the spec `describe`
 * returns for it (documentation only: the handler's own guard still decides who may call it).
 */
export function documentNestRoutes(controllers: readonly Type[], describe: (handler: string) => Pick<RegisteredRoute, 'summary' | 'tag' | 'roles'>): void {
  for (const controller of controllers) {
    const prototype = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const handler = prototype[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod] as HttpMethod | undefined;
      if (path === undefined || method === undefined || Reflect.getMetadata(ROUTE_SPEC, handler) !== undefined) continue;
      const route: RegisteredRoute = { method, path, ...describe(name) };
      Reflect.defineMetadata(ROUTE_SPEC, route, handler);
    }
  }
}
