// HTTP access to registered functions: POST /functions/:name runs one as the verified caller, GET /functions lists them.
import { Controller, HttpCode, Inject, Optional, Post, UseGuards, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { InvocationResult } from '@lucent/core';
import { GuardedInvoker, type FunctionInfo, type Invoker, type Placement, type RateLimits } from '@lucent/runtime';
import { callContextOf, invokeOptionsFor, type CallContext, type RequestWithCallContext } from '../callContext/callContext.js';
import type { CallContextResolver } from '../callContext/callContextResolver.js';
import { LucentCallGuard } from '../callContext/lucentCallGuard.js';
import { LucentRoute } from '../routes/lucentRoute.js';
import { CALL_CONTEXT_RESOLVER, LUCENT_INVOKER, RATE_LIMITS } from '../tokens.js';

/** What POST /functions/:name reads from its request. */
interface FunctionCall {
  readonly name: string;
  readonly body: unknown;
  readonly call: CallContext;
  readonly version: string | undefined;
  /** The HTTP reply (Fastify's, or Express's: both have `header`), for the placement headers. */
  readonly reply: ReplyHeaders;
}

interface ReplyHeaders {
  header(name: string, value: string): unknown;
}

type FunctionRequest = RequestWithCallContext & {
  readonly params?: { readonly name?: string };
  readonly body?: unknown;
  readonly query?: { readonly version?: string | string[] };
};

/**
 * The whole call in one handler parameter. Nest resolves each parameter on its own (metadata
 * lookup, pipes); four of them (@Param, @Body, @LucentCall, @Query) were a measurable part of a
 * small function's request. The body is checked by the function's contract, not by a pipe.
 */
const FunctionCallOf = createParamDecorator((_data: unknown, host: ExecutionContext): FunctionCall => {
  const request = host.switchToHttp().getRequest<FunctionRequest>();
  const version = request.query?.version;
  return {
    name: request.params?.name ?? '',
    body: request.body,
    call: callContextOf(request),
    version: Array.isArray(version) ? version[0] : version,
    reply: host.switchToHttp().getResponse<ReplyHeaders>(),
  };
});

@Controller('functions')
export class FunctionsController {
  private readonly invoker: Invoker;

  constructor(
    @Inject(LUCENT_INVOKER) invoker: Invoker,
    @Inject(CALL_CONTEXT_RESOLVER) private readonly calls: CallContextResolver,
    @Optional() @Inject(RATE_LIMITS) limits?: RateLimits,
  ) {
    // Only this endpoint's calls spend budget here; the app's own routes spend it through their own GuardedInvoker.
    this.invoker = limits === undefined ? invoker : new GuardedInvoker(invoker, { rateLimits: limits });
  }

  @LucentRoute('GET', '', { summary: 'Every registered function with its versions and the active one', tag: 'functions' })
  list(): readonly FunctionInfo[] {
    return this.invoker.list();
  }

  /**
   * Identity and jurisdiction reach version selection and `ctx.business` from the guard's CallContext only.
   * Every success names where and what ran: `x-lucent-shard` and `x-lucent-version`.
   * With `rateLimits`, the verified caller's budget is spent first, through a GuardedInvoker (429 RATE_LIMITED with Retry-After when spent):
   * here rather than in a global interceptor, which made Nest bind two async resources and build an rxjs
   * pipeline for every request of every route (about 0.15 ms of a gateway's CPU per request, measured).
   */
  @Post(':name')
  @HttpCode(200)
  @UseGuards(LucentCallGuard)
  invoke(@FunctionCallOf() { name, body, call, version, reply }: FunctionCall): Promise<InvocationResult<unknown>> {
    this.calls.checkVersionPin(call, version);
    const placed = (where: Placement): void => {
      reply.header('x-lucent-shard', where.shard);
      reply.header('x-lucent-version', where.version);
    };
    return this.invoker.invoke(name, body ?? {}, invokeOptionsFor(call, version, placed));
  }
}
