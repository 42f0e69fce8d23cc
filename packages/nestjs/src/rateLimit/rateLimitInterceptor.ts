// Spends the caller's rate-limit budget before POST /functions/:name runs; a spent budget is 429 RATE_LIMITED with Retry-After.
import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { RateLimits } from '@lucent/runtime';
import { from, switchMap, type Observable } from 'rxjs';
import { callContextKey, type RequestWithCallContext } from '../callContext/callContext.js';
import { FunctionsController } from '../functions/functionsController.js';

import { RATE_LIMITS } from '../tokens.js';

export { RATE_LIMITS };

type FunctionRequest = RequestWithCallContext & { readonly params?: { readonly name?: string } };

/**
 * Runs after the guards, so the user is the verified caller's. Only the functions endpoint is
 * limited here; routes of the app's own controllers are limited where they call functions
 * (a GuardedInvoker over the same RateLimits), so no call is counted twice.
 */
@Injectable()
export class RateLimitInterceptor implements NestInterceptor {
  constructor(@Inject(RATE_LIMITS) private readonly limits: RateLimits) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getClass() !== FunctionsController || context.getHandler() !== FunctionsController.prototype.invoke) return next.handle();
    const request = context.switchToHttp().getRequest<FunctionRequest>();
    const name = request.params?.name ?? '';
    const userId = request[callContextKey]?.business.userId;
    return from(this.limits.consume(name, userId)).pipe(switchMap(() => next.handle()));
  }
}
