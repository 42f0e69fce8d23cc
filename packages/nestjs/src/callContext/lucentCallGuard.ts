// NestJS guard that builds each request's CallContext (verifying the bearer token when auth is on) and pins it on the request.
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { CALL_CONTEXT_RESOLVER } from '../tokens.js';
import { callContextKey, type CallContext, type RequestWithCallContext } from './callContext.js';
import type { CallContextResolver } from './callContextResolver.js';

@Injectable()
export class LucentCallGuard implements CanActivate {
  constructor(@Inject(CALL_CONTEXT_RESOLVER) private readonly resolver: CallContextResolver) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithCallContext>();
    const resolved = this.resolver.resolve(request.headers);
    // A guard rather than an interceptor: it runs before pipes, so an unauthenticated body is never validated.
    if (resolved instanceof Promise) {
      return resolved.then((call: CallContext) => {
        request[callContextKey] = call;
        return true;
      });
    }
    request[callContextKey] = resolved;
    return true;
  }
}
