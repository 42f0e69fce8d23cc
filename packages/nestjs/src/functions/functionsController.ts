// HTTP access to registered functions: POST /functions/:name runs one, GET /functions lists them.
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import type { InvocationResult } from '@lucent/core';
import type { FunctionInfo, FunctionManager } from '@lucent/runtime';
import { FUNCTION_MANAGER } from '../tokens.js';

@Controller('functions')
export class FunctionsController {
  constructor(@Inject(FUNCTION_MANAGER) private readonly manager: FunctionManager) {}

  @Get()
  list(): FunctionInfo[] {
    return this.manager.list();
  }

  @Post(':name')
  @HttpCode(200)
  invoke(
    @Param('name') name: string,
    @Body() body: unknown,
    @Query('version') version?: string,
  ): Promise<InvocationResult<unknown>> {
    return this.manager.invoke(name, body ?? {}, version === undefined ? undefined : { version });
  }
}
