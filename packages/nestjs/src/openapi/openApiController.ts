// GET /openapi.json: the OpenAPI 3.1 document of the registered functions, rebuilt when the set of functions or versions changes.
import { Controller, Get, Inject } from '@nestjs/common';
import type { FunctionManager } from '@lucent/runtime';
import type { CallContextResolver } from '../callContext/callContextResolver.js';
import { CALL_CONTEXT_RESOLVER, FUNCTION_MANAGER, OPENAPI_OPTIONS } from '../tokens.js';
import { openApiDocument, type OpenApiInfo } from './openApiDocument.js';

@Controller()
export class OpenApiController {
  private cached: { readonly key: string; readonly document: Record<string, unknown> } | undefined;

  constructor(
    @Inject(FUNCTION_MANAGER) private readonly manager: FunctionManager,
    @Inject(CALL_CONTEXT_RESOLVER) private readonly resolver: CallContextResolver,
    @Inject(OPENAPI_OPTIONS) private readonly info: OpenApiInfo,
  ) {}

  @Get('openapi.json')
  document(): Record<string, unknown> {
    // Versions arrive and switch at run time (hot deployment, registry rules): the key notices both.
    const functions = this.manager.list();
    const key = functions.map((f) => `${f.name}@${f.activeVersion}/${f.versions.join(',')}`).join(';');
    if (this.cached?.key === key) return this.cached.document;
    const document = openApiDocument(
      functions.map((f) => ({ definition: this.manager.lookup(f.name), versions: f.versions })),
      { ...this.info, bearerAuth: this.resolver.authenticates },
    );
    this.cached = { key, document };
    return document;
  }
}
