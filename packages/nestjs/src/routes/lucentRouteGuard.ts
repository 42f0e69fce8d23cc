// The guard behind @LucentRoute: caller identity (or a public route), role check, then params, query and body against their contracts.
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { LucentError, ValidationError, validate, type Contract } from '@lucent/core';
import { callContextKey, type CallContext, type RequestWithCallContext } from '../callContext/callContext.js';
import type { CallContextResolver } from '../callContext/callContextResolver.js';
import { CALL_CONTEXT_RESOLVER } from '../tokens.js';
import { ROUTE_SPEC, type RegisteredRoute } from './routeSpec.js';

type RouteRequest = RequestWithCallContext & { body?: unknown; params?: unknown; query?: unknown };

/** A body-less route gets `undefined`, `{}` or no content; anything else is a field it does not take. */
const isEmpty = (body: unknown): boolean =>
  body === undefined || body === null || (typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0);

@Injectable()
export class LucentRouteGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(CALL_CONTEXT_RESOLVER) private readonly resolver: CallContextResolver,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const route = this.reflector.get<RegisteredRoute | undefined>(ROUTE_SPEC, context.getHandler());
    const request = context.switchToHttp().getRequest<RouteRequest>();
    if (route === undefined) throw new LucentError('FORBIDDEN', 'Route has no @LucentRoute spec', { reason: 'no-route-spec' });
    // Identity first: an unauthenticated request is refused before its body is looked at.
    const call: CallContext = await this.resolver.resolve(request.headers, { anonymous: route.public === true });
    request[callContextKey] = call;
    this.checkRoles(route, call);
    const subject = `${route.method} /${route.path}`;
    if (route.params !== undefined) request.params = await this.check(route.params, request.params, `${subject} path`);
    if (route.query !== undefined) request.query = await this.check(route.query, request.query, `${subject} query`);
    if (route.headers !== undefined) await this.check(route.headers, request.headers, `${subject} headers`);
    if (route.body !== undefined) {
      const body = route.bodyOptional === true && (request.body === undefined || request.body === null) ? {} : request.body;
      request.body = await this.check(route.body, body, `${subject} body`);
    }
    else if (!isEmpty(request.body)) {
      throw new ValidationError('input', `${subject} body`, [{ path: '(root)', message: 'this route takes no body' }]);
    }
    return true;
  }

  private checkRoles(route: RegisteredRoute, call: CallContext): void {
    if (route.roles === undefined || route.public === true || !this.resolver.authenticates) return;
    const roles = call.caller?.roles ?? [];
    if (!route.roles.some((r) => roles.includes(r))) {
      throw new LucentError('FORBIDDEN', `${route.method} /${route.path} needs the role ${route.roles.join(' or ')}`, { required: route.roles });
    }
  }

  private check(contract: Contract, value: unknown, subject: string): Promise<unknown> | unknown {
    return validate(contract, value, 'input', subject);
  }
}
