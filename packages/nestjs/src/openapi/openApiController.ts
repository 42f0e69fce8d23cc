// GET /openapi.json: the OpenAPI 3.1 document of the registered functions and of every @LucentRoute, rebuilt when functions or versions change.
import { Controller, Inject, type Type } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { AnyFunctionDefinition } from '@lucent/core';
import type { Invoker } from '@lucent/runtime';
import type { CallContextResolver } from '../callContext/callContextResolver.js';
import { LucentRoute, ROUTE_SPEC, type RegisteredRoute } from '../routes/lucentRoute.js';
import { CALL_CONTEXT_RESOLVER, LUCENT_INVOKER, OPENAPI_OPTIONS } from '../tokens.js';
import { openApiDocument, type DocumentedRoute, type OpenApiInfo } from './openApiDocument.js';

const joinPath = (prefix: unknown, path: string): string =>
  [typeof prefix === 'string' ? prefix : '', path].map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/');

@Controller()
export class OpenApiController {
  private cached: { readonly key: string; readonly document: Record<string, unknown> } | undefined;
  private routes: readonly DocumentedRoute[] | undefined;

  constructor(
    @Inject(LUCENT_INVOKER) private readonly invoker: Invoker,
    @Inject(CALL_CONTEXT_RESOLVER) private readonly resolver: CallContextResolver,
    @Inject(OPENAPI_OPTIONS) private readonly info: OpenApiInfo,
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  private definitionOf(name: string): AnyFunctionDefinition | undefined {
    try {
      return this.invoker.lookup(name);
    } catch {
      return undefined;
    }
  }

  @LucentRoute('GET', 'openapi.json', { summary: 'This document', public: true, tag: 'docs' })
  document(): Record<string, unknown> {
    // Versions arrive and switch at run time (hot deployment, registry rules): the key notices both.
    const functions = this.invoker.list();
    const key = functions.map((f) => `${f.name}@${f.activeVersion}/${f.versions.join(',')}`).join(';');
    if (this.cached?.key === key) return this.cached.document;
    const document = openApiDocument(
      // A function only shards know (no definition here) has no contract to document.
      functions.flatMap((f) => {
        const definition = this.definitionOf(f.name);
        return definition === undefined ? [] : [{ definition, versions: f.versions }];
      }),
      { ...this.info, bearerAuth: this.resolver.authenticates },
      (this.routes ??= this.discoverRoutes()),
    );
    this.cached = { key, document };
    return document;
  }

  /** Every controller method of the app that carries a @LucentRoute spec (the set is fixed once the app is up). */
  private discoverRoutes(): DocumentedRoute[] {
    const routes: DocumentedRoute[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const instance = wrapper.instance as object | undefined;
      if (instance === undefined || wrapper.metatype === null) continue;
      const prefix = this.reflector.get<unknown>(PATH_METADATA, wrapper.metatype as Type);
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const route = this.reflector.get<RegisteredRoute | undefined>(ROUTE_SPEC, prototype[name] as (...args: unknown[]) => unknown);
        if (route !== undefined) routes.push({ fullPath: joinPath(prefix, route.path), route });
      }
    }
    return routes;
  }
}
