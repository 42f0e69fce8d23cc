// The call context of one HTTP request (verified caller, business metadata, correlation, trace) and how handlers read it.
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { LucentError, type BusinessMetadata } from '@lucent/core';
import type { InvokeOptions } from '@lucent/runtime';
import type { LucentCaller } from '../auth/callerFromClaims.js';

export interface CallContext {
  /** What FunctionManager passes to version selection and to `ctx.business`; built from verified claims only. */
  readonly business: BusinessMetadata;
  /** The verified caller; undefined when auth is not configured or an anonymous call was allowed. */
  readonly caller: LucentCaller | undefined;
  /** The app verifies bearer tokens (LucentModule `auth`): ownership and role checks apply. */
  readonly authenticates: boolean;
  /** From `x-correlation-id`: ties logs and events of one business operation together, not a security fact. */
  readonly correlationId: string | undefined;
  /** W3C `traceparent`, when the caller sent a well-formed one. */
  readonly traceparent: string | undefined;
}

/** Where the guard leaves the call context on the request; handlers read it from here, never from a header. */
export const callContextKey = Symbol.for('lucent.callContext');

export interface RequestWithCallContext {
  readonly headers: Record<string, string | string[] | undefined>;
  [callContextKey]?: CallContext;
}

/** The context the guard pinned on this request; refuses when no guard ran, rather than run without identity. */
export function callContextOf(request: RequestWithCallContext): CallContext {
  const context = request[callContextKey];
  if (context === undefined) {
    throw new LucentError('UNAUTHORIZED', 'No verified call context on the request; guard the route with LucentCallGuard', {
      reason: 'no-call-context',
    });
  }
  return context;
}

/** Handler parameter decorator: `@LucentCall() call: CallContext` on a route guarded by LucentCallGuard. */
export const LucentCall = createParamDecorator((_data: unknown, host: ExecutionContext): CallContext =>
  callContextOf(host.switchToHttp().getRequest<RequestWithCallContext>()),
);

/** FunctionManager options carrying this call's identity and tracing, plus an optional pinned version. */
export function invokeOptionsFor(call: CallContext, version?: string, placed?: InvokeOptions['placed']): InvokeOptions {
  return {
    business: call.business,
    correlationId: call.correlationId,
    traceparent: call.traceparent,
    version,
    placed,
  };
}
