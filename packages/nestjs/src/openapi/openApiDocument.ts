// Builds the OpenAPI 3.1 document of the functions endpoint from the registered functions' contracts.
import { canonicalJson, contractJsonSchema, type AnyFunctionDefinition } from '@lucent/core';
import type { RegisteredRoute, RouteSpec } from '../routes/lucentRoute.js';

type Json = Record<string, unknown>;

export interface OpenApiInfo {
  readonly title?: string;
  readonly version?: string;
  readonly description?: string;
  readonly servers?: readonly { readonly url: string; readonly description?: string }[];
}

export interface DocumentedFunction {
  /** The active version's definition: its contracts are the ones a call without `?version` meets. */
  readonly definition: AnyFunctionDefinition;
  readonly versions: readonly string[];
}

/** A @LucentRoute of the app, with its full path (controller prefix included, NestJS style). */
export interface DocumentedRoute {
  readonly fullPath: string;
  readonly route: RegisteredRoute;
}

export interface OpenApiBuildOptions extends OpenApiInfo {
  /** The endpoint verifies bearer tokens (LucentModule `auth`): adds the scheme and the 401 answer. */
  readonly bearerAuth: boolean;
}

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const componentName = (raw: string): string => raw.replace(/[^a-zA-Z0-9.\-_]/g, '_');

function rewriteRefs(node: unknown, root: string, defs: ReadonlyMap<string, string>): unknown {
  if (Array.isArray(node)) return node.map((n) => rewriteRefs(n, root, defs));
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node as Json)) {
    if (key === '$ref' && typeof value === 'string') out[key] = rewriteRef(value, root, defs);
    else out[key] = rewriteRefs(value, root, defs);
  }
  return out;
}

function rewriteRef(target: string, root: string, defs: ReadonlyMap<string, string>): string {
  if (target === '#') return `#/components/schemas/${root}`;
  const m = /^#\/\$defs\/([^/]+)(\/.*)?$/.exec(target);
  const name = m === null ? undefined : defs.get(decodeURIComponent(m[1]!));
  return name === undefined ? target : `#/components/schemas/${name}${m?.[2] ?? ''}`;
}

/**
 * A contract's JSON Schema as components: the schema under `name`, each of its `$defs` beside it.
 * References inside a standalone schema (`#`, `#/$defs/x`) would resolve against the whole
 * document once embedded, so they are rewritten to point at the hoisted components.
 *
 * A function's `$defs` are named after the function (two functions may use one id for different
 * things). With `shared`, as for routes, a def keeps its own name when no other component holds
 * something different under it: the admin API's twelve answers then point at one `RulesEntry`.
 */
function addSchema(components: Json, name: string, schema: Json | undefined, what: string, shared = false): void {
  if (schema === undefined) {
    components[name] = { description: `${what}: the contract's library gives no JSON Schema for it` };
    return;
  }
  const { $schema: _dialect, $defs, ...rest } = schema as Json & { $defs?: Json };
  const ids = Object.keys($defs ?? {});
  const defs = new Map(ids.map((d) => [d, componentName(shared ? d : `${name}.${d}`)]));
  // A shared name taken by a different schema falls back to the prefixed one; renaming one def
  // changes the refs of the others, so repeat until no name moves.
  for (let moved = shared; moved; ) {
    moved = false;
    for (const d of ids) {
      const hoisted = defs.get(d)!;
      const taken = components[hoisted];
      if (taken !== undefined && canonicalJson(taken) !== canonicalJson(rewriteRefs(($defs as Json)[d], name, defs))) {
        defs.set(d, componentName(`${name}.${d}`));
        moved ||= hoisted !== defs.get(d);
      }
    }
  }
  components[name] = rewriteRefs(rest, name, defs);
  for (const [d, hoisted] of defs) components[hoisted] = rewriteRefs(($defs as Json)[d], name, defs);
}

interface ErrorResponse {
  readonly name: string;
  readonly description: string;
}

const errorResponses: Record<string, ErrorResponse> = {
  '400': { name: 'ValidationFailed', description: 'VALIDATION_FAILED: the body broke the input contract; details.issues names each field' },
  '401': { name: 'Unauthorized', description: 'UNAUTHORIZED: no bearer token, or one that does not verify' },
  '403': { name: 'Forbidden', description: 'JURISDICTION_DENIED or FUNCTION_DISABLED: the registry refuses this caller or this function' },
  '404': { name: 'NotFound', description: 'FUNCTION_NOT_FOUND: no such function or version' },
  '422': { name: 'RuleViolated', description: 'RULE_VIOLATED: the function refused the input in the current state' },
  '500': { name: 'FunctionFailed', description: 'FUNCTION_FAILED: the function threw or broke its output contract' },
  '504': { name: 'DeadlineExceeded', description: 'DEADLINE_EXCEEDED: the function did not finish within its budget' },
};

/** The error answers the endpoint can give: a 401 only when it verifies tokens. */
function errorResponsesFor(bearerAuth: boolean): [string, ErrorResponse][] {
  return Object.entries(errorResponses).filter(([status]) => bearerAuth || status !== '401');
}

function sharedComponents(bearerAuth: boolean): Json {
  const schemas: Json = {
    LucentError: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'Stable error code, e.g. VALIDATION_FAILED, JURISDICTION_DENIED' },
        message: { type: 'string' },
        details: { type: 'object', additionalProperties: true },
      },
    },
    LucentValidationError: {
      allOf: [
        ref('LucentError'),
        {
          type: 'object',
          properties: {
            details: {
              type: 'object',
              properties: {
                where: { type: 'string' },
                subject: { type: 'string' },
                issues: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['path', 'message'],
                    properties: { path: { type: 'string', description: 'Dotted path of the failing field' }, message: { type: 'string' } },
                  },
                },
              },
            },
          },
        },
      ],
    },
    LucentEvent: {
      type: 'object',
      required: ['type', 'data'],
      properties: { type: { type: 'string' }, data: {} },
      description: 'A domain event the function returned as data',
    },
  };
  const responses: Json = {};
  for (const [status, r] of errorResponsesFor(bearerAuth)) {
    responses[r.name] = {
      description: r.description,
      content: { 'application/json': { schema: ref(status === '400' ? 'LucentValidationError' : 'LucentError') } },
    };
  }
  return {
    schemas,
    responses,
    ...(bearerAuth ? { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } } : {}),
  };
}

function operation(fn: DocumentedFunction, components: Json, bearerAuth: boolean): Json {
  const { definition: def } = fn;
  const input = componentName(`${def.name}.Input`);
  const output = componentName(`${def.name}.Output`);
  addSchema(components, input, contractJsonSchema(def.input, 'input'), `Input of ${def.name}`);
  addSchema(components, output, contractJsonSchema(def.output, 'output'), `Output of ${def.name}`);
  const responses: Json = {
    '200': {
      description: `The result of ${def.name}: its output and the events it emitted`,
      headers: {
        'x-lucent-shard': { description: 'The shard that ran the call (the serving process\'s own id when it ran in process)', schema: { type: 'string' } },
        'x-lucent-version': { description: 'The version of the function that ran', schema: { type: 'string' } },
      },
      content: {
        'application/json': {
          schema: {
            type: 'object',
            required: ['output', 'events'],
            properties: { output: ref(output), events: { type: 'array', items: ref('LucentEvent') } },
          },
        },
      },
    },
  };
  for (const [status, r] of errorResponsesFor(bearerAuth)) responses[status] = { $ref: `#/components/responses/${r.name}` };
  return {
    operationId: def.name,
    summary: def.meta.description ?? `Run ${def.name}`,
    tags: [def.name.split('.')[0]],
    parameters: [
      {
        name: 'version',
        in: 'query',
        required: false,
        description: 'Run this exact version, skipping the rollout weights (with auth on, only for the version-pin role); the kill switch and jurisdictions still apply',
        schema: { type: 'string', enum: [...fn.versions] },
      },
    ],
    requestBody: { required: true, content: { 'application/json': { schema: ref(input) } } },
    responses,
    ...(bearerAuth ? { security: [{ bearerAuth: [] }] } : {}),
    'x-lucent': {
      version: def.version,
      ...(def.meta.priority === undefined ? {} : { priority: def.meta.priority }),
      ...(def.meta.tags === undefined ? {} : { tags: def.meta.tags }),
      ...(def.meta.jurisdictions === undefined ? {} : { jurisdictions: def.meta.jurisdictions }),
    },
  };
}

const routeRefusals: Record<string, string> = {
  '400': 'VALIDATION_FAILED: a path parameter, the query or the body broke its contract; details.issues names each field',
  '401': 'UNAUTHORIZED: no bearer token, or one that does not verify',
  '403': 'FORBIDDEN: the caller lacks the role, or the resource belongs to someone else',
};

/** Each property of an object contract as an OpenAPI parameter `in` the query or the headers. */
function objectParameters(contract: RouteSpec['query'], where: 'query' | 'header'): Json[] {
  const schema = contract === undefined ? undefined : contractJsonSchema(contract, 'input');
  const required = new Set((schema?.['required'] ?? []) as string[]);
  return Object.entries((schema?.['properties'] ?? {}) as Json).map(([name, property]) => {
    const { description, ...rest } = property as Json;
    return { name, in: where, required: required.has(name), ...(typeof description === 'string' ? { description } : {}), schema: rest };
  });
}

/** Path parameters, the query and the headers a route reads, as OpenAPI parameters, from their contracts' JSON Schemas. */
function routeParameters(route: RegisteredRoute, names: readonly string[]): Json[] {
  const params = route.params === undefined ? undefined : contractJsonSchema(route.params, 'input');
  const properties = (params?.['properties'] ?? {}) as Json;
  const path = names.map((name) => ({ name, in: 'path', required: true, schema: properties[name] ?? { type: 'string' } }));
  return [...path, ...objectParameters(route.query, 'query'), ...objectParameters(route.headers, 'header')];
}

function routeOperation(documented: DocumentedRoute, components: Json, bearerAuth: boolean): { path: string; method: string; operation: Json } {
  const { route, fullPath } = documented;
  const names = [...fullPath.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
  const path = `/${fullPath.replace(/^\/+/, '').replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`;
  const id = `${route.method.toLowerCase()}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`;
  const secured = bearerAuth && route.public !== true;
  const success: Json = { description: route.summary };
  if (route.response !== undefined) {
    const answer = componentName(`${id}.Response`);
    addSchema(components, answer, contractJsonSchema(route.response, 'output'), `Answer of ${route.method} ${path}`, true);
    success['content'] = { 'application/json': { schema: ref(answer) } };
  }
  if (route.answersPlacement === true) {
    success['headers'] = {
      'x-lucent-shard': { description: 'The shards that ran the route\'s function calls, comma-separated, each once', schema: { type: 'string' } },
      'x-lucent-version': { description: 'Each function that ran with its version (`name@version`), comma-separated, each once', schema: { type: 'string' } },
    };
  }
  const responses: Json = { [String(route.status ?? 200)]: success };
  for (const [status, description] of Object.entries(routeRefusals)) {
    if ((status === '401' || status === '403') && !secured) continue;
    if (status === '400' && route.params === undefined && route.query === undefined && route.headers === undefined && route.method === 'GET') continue;
    responses[status] = { description, content: { 'application/json': { schema: ref(status === '400' ? 'LucentValidationError' : 'LucentError') } } };
  }
  for (const [status, description] of Object.entries(route.refusals ?? {})) {
    responses[status] = { description, content: { 'application/json': { schema: ref('LucentError') } } };
  }
  const operation: Json = {
    operationId: id,
    summary: route.summary,
    tags: [route.tag ?? path.split('/')[1] ?? 'default'],
    parameters: routeParameters(route, names),
    responses,
    ...(secured ? { security: [{ bearerAuth: [] }] } : {}),
    ...(route.roles === undefined ? {} : { 'x-lucent-roles': [...route.roles] }),
  };
  if (route.body !== undefined) {
    const body = componentName(`${id}.Body`);
    addSchema(components, body, contractJsonSchema(route.body, 'input'), `Body of ${route.method} ${path}`, true);
    operation['requestBody'] = { required: route.bodyOptional !== true, content: { 'application/json': { schema: ref(body) } } };
  }
  return { path, method: route.method.toLowerCase(), operation };
}

/**
 * One `POST /functions/<name>` per function, sorted by name, with its request, response and error
 * schemas; then every @LucentRoute of the app with its parameters, body, roles and refusals.
 */
export function openApiDocument(functions: readonly DocumentedFunction[], options: OpenApiBuildOptions, routes: readonly DocumentedRoute[] = []): Json {
  const components = sharedComponents(options.bearerAuth);
  const schemas = components['schemas'] as Json;
  const paths: Json = {};
  for (const fn of [...functions].sort((a, b) => (a.definition.name < b.definition.name ? -1 : 1))) {
    paths[`/functions/${fn.definition.name}`] = { post: operation(fn, schemas, options.bearerAuth) };
  }
  for (const documented of [...routes].sort((a, b) => (a.fullPath < b.fullPath ? -1 : a.fullPath > b.fullPath ? 1 : 0))) {
    const { path, method, operation: op } = routeOperation(documented, schemas, options.bearerAuth);
    paths[path] = { ...((paths[path] as Json | undefined) ?? {}), [method]: op };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: options.title ?? 'Lucent functions',
      version: options.version ?? '0.0.0',
      ...(options.description === undefined ? {} : { description: options.description }),
    },
    ...(options.servers === undefined ? {} : { servers: options.servers }),
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components,
  };
}
