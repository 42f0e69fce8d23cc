// @ConsoleRead: a console API route — LucentRouteGuard (token, query and path contracts), then the console's rule that every reader is signed in when auth is on.
import { applyDecorators, Inject, Injectable, UseGuards, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { callContextKey, type RequestWithCallContext } from '../callContext/callContext.js';
import type { CallContextResolver } from '../callContext/callContextResolver.js';
import { LucentRoute, type RouteSpec } from '../routes/lucentRoute.js';
import { CALL_CONTEXT_RESOLVER } from '../tokens.js';
import { CONSOLE_RUNTIME } from './consoleOptions.js';
import { strictQuery } from './consoleQueries.js';
import type { ConsoleRuntime } from './consoleRuntime.js';

@Injectable()
export class ConsoleReaderGuard implements CanActivate {
  constructor(@Inject(CONSOLE_RUNTIME) private readonly runtime: ConsoleRuntime) {}

  canActivate(context: ExecutionContext): boolean {
    this.runtime.reader(context.switchToHttp().getRequest<RequestWithCallContext>()[callContextKey]);
    return true;
  }
}

/**
 * The same rule for routes without @LucentRoute (the history controllers): resolves the caller
 * from the request's token with the service's own resolver, then applies the console's rule.
 */
@Injectable()
export class ConsoleTokenGuard implements CanActivate {
  constructor(
    @Inject(CONSOLE_RUNTIME) private readonly runtime: ConsoleRuntime,
    @Inject(CALL_CONTEXT_RESOLVER) private readonly resolver: CallContextResolver,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithCallContext & { readonly headers: Record<string, string | string[] | undefined> }>();
    const call = request[callContextKey] ?? (await this.resolver.resolve(request.headers));
    request[callContextKey] = call;
    this.runtime.reader(call);
    return true;
  }
}

/** No query parameters: an unknown one is a 400 naming it, not silently ignored. */
export const NoQuery = strictQuery({});

/** GET `api/<path>` under /console, for any signed-in reader (any reader when auth is off). */
export function ConsoleRead(path: string, spec: Omit<RouteSpec, 'tag' | 'public' | 'roles'>): MethodDecorator {
  // Guards run in the order given: the route guard resolves the caller first.
  return applyDecorators(LucentRoute('GET', path, { query: NoQuery, ...spec, tag: 'console' }), UseGuards(ConsoleReaderGuard));
}
