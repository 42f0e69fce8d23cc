// HTTP access to registered functions: POST /functions/:name runs one as the verified caller, GET /functions lists them.
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, UseGuards } from '@nestjs/common';
import type { InvocationResult } from '@lucent/core';
import type { FunctionInfo, FunctionManager } from '@lucent/runtime';
import { invokeOptionsFor, LucentCall, type CallContext } from '../callContext/callContext.js';
import type { CallContextResolver } from '../callContext/callContextResolver.js';
import { LucentCallGuard } from '../callContext/lucentCallGuard.js';
import { CALL_CONTEXT_RESOLVER, FUNCTION_MANAGER } from '../tokens.js';

@Controller('functions')
@UseGuards(LucentCallGuard)
export class FunctionsController {
  constructor(
    @Inject(FUNCTION_MANAGER) private readonly manager: FunctionManager,
    @Inject(CALL_CONTEXT_RESOLVER) private readonly calls: CallContextResolver,
  ) {}

  @Get()
  list(): FunctionInfo[] {
    return this.manager.list();
  }

  /** Identity and jurisdiction reach version selection and `ctx.business` from the guard's CallContext only. */
  @Post(':name')
  @HttpCode(200)
  invoke(
    @Param('name') name: string,
    @Body() body: unknown,
    @LucentCall() call: CallContext,
    @Query('version') version?: string,
  ): Promise<InvocationResult<unknown>> {
    this.calls.checkVersionPin(call, version);
    return this.manager.invoke(name, body ?? {}, invokeOptionsFor(call, version));
  }
}
