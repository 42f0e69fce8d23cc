// Test support: malformed HTTP requests for every operation of an OpenAPI 3.1 document, as fast-check arbitraries.
// Each request starts from a value the operation's schemas accept and breaks one thing about it.
import fc from 'fast-check';

type Json = Record<string, unknown>;

export interface FuzzOperation {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** OpenAPI path with `{name}` parameters. */
  readonly path: string;
  readonly pathParams: readonly { readonly name: string; readonly schema: Json }[];
  readonly headerParams: readonly { readonly name: string; readonly required: boolean; readonly schema: Json }[];
  /** JSON Schema of the body, refs resolved on demand against the document. */
  readonly body: Json | undefined;
  readonly secured: boolean;
}

export interface FuzzRequest {
  readonly method: FuzzOperation['method'];
  readonly url: string;
  readonly headers: Record<string, string>;
  /** The raw body text (undefined: none sent). */
  readonly payload: string | undefined;
  /** What was broken, for the failure message. */
  readonly mutation: string;
}

/** Every operation of the document, in path order. */
export function operationsOf(doc: Json): FuzzOperation[] {
  const ops: FuzzOperation[] = [];
  for (const [path, item] of Object.entries(doc['paths'] as Json)) {
    for (const [method, raw] of Object.entries(item as Json)) {
      const op = raw as Json;
      const parameters = (op['parameters'] ?? []) as { name: string; in: string; required?: boolean; schema: Json }[];
      const content = ((op['requestBody'] as Json | undefined)?.['content'] as Json | undefined)?.['application/json'] as Json | undefined;
      ops.push({
        method: method.toUpperCase() as FuzzOperation['method'],
        path,
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => ({ name: p.name, schema: p.schema })),
        headerParams: parameters.filter((p) => p.in === 'header').map((p) => ({ name: p.name, required: p.required === true, schema: p.schema })),
        body: content?.['schema'] as Json | undefined,
        secured: Array.isArray(op['security']) && (op['security'] as unknown[]).length > 0,
      });
    }
  }
  return ops;
}

/** Builds arbitraries of values a JSON Schema (2020-12, the subset zod emits) accepts. */
class SchemaValues {
  constructor(private readonly doc: Json) {}

  private resolve(schema: Json): Json {
    let s = schema;
    for (let hops = 0; typeof s['$ref'] === 'string' && hops < 16; hops++) {
      const parts = (s['$ref'] as string).replace(/^#\//, '').split('/');
      s = parts.reduce<unknown>((node, part) => (node as Json)[decodeURIComponent(part)], this.doc) as Json;
    }
    return s;
  }

  valid(schema: Json | undefined, depth = 0): fc.Arbitrary<unknown> {
    if (schema === undefined || depth > 6) return fc.constant({});
    const s = this.resolve(schema);
    if ('const' in s) return fc.constant(s['const']);
    if (Array.isArray(s['enum'])) return fc.constantFrom(...(s['enum'] as unknown[]));
    const alternatives = (s['anyOf'] ?? s['oneOf']) as Json[] | undefined;
    if (alternatives !== undefined) return fc.oneof(...alternatives.map((a) => this.valid(a, depth + 1)));
    if (Array.isArray(s['allOf'])) return this.valid((s['allOf'] as Json[])[0], depth + 1);
    const type = Array.isArray(s['type']) ? (s['type'] as string[])[0] : (s['type'] as string | undefined);
    switch (type) {
      case 'object':
        return this.object(s, depth);
      case 'array': {
        const min = (s['minItems'] as number | undefined) ?? 0;
        const max = Math.min((s['maxItems'] as number | undefined) ?? min + 4, min + 4);
        return fc.array(this.valid(s['items'] as Json | undefined, depth + 1), { minLength: min, maxLength: max });
      }
      case 'string':
        return this.string(s);
      case 'integer':
      case 'number':
        return this.number(s, type === 'integer');
      case 'boolean':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  }

  private object(s: Json, depth: number): fc.Arbitrary<unknown> {
    const properties = (s['properties'] ?? {}) as Record<string, Json>;
    const required = new Set((s['required'] ?? []) as string[]);
    const entries = Object.entries(properties).map(([k, v]) => [k, this.valid(v, depth + 1)] as const);
    if (entries.length === 0) return fc.constant({});
    return fc.record(Object.fromEntries(entries), { requiredKeys: [...required].filter((k) => k in properties) });
  }

  private string(s: Json): fc.Arbitrary<string> {
    const min = (s['minLength'] as number | undefined) ?? 0;
    const max = (s['maxLength'] as number | undefined) ?? Math.max(min, 24);
    if (typeof s['pattern'] === 'string') {
      return fc.stringMatching(new RegExp(s['pattern'])).filter((v) => v.length >= min && v.length <= max);
    }
    return fc.string({ minLength: min, maxLength: Math.min(max, min + 24) });
  }

  private number(s: Json, integer: boolean): fc.Arbitrary<number> {
    const lo = (s['minimum'] as number | undefined) ?? (s['exclusiveMinimum'] as number | undefined);
    const hi = (s['maximum'] as number | undefined) ?? (s['exclusiveMaximum'] as number | undefined);
    const min = lo ?? -1e15;
    const max = hi ?? 1e15;
    if (integer) return fc.integer({ min: Math.ceil(Math.max(min, -(2 ** 31))), max: Math.floor(Math.min(max, 2 ** 31)) });
    // Boundaries and the tiniest positive doubles are where overflow and division by ~0 live.
    return fc
      .oneof(fc.double({ min, max, noNaN: true, noDefaultInfinity: true }), fc.constantFrom(min, max, Number.MIN_VALUE, 1e-300, 1, 0.5))
      .filter(
        (v) =>
          v >= min &&
          v <= max &&
          (s['exclusiveMinimum'] === undefined || v > (s['exclusiveMinimum'] as number)) &&
          (s['exclusiveMaximum'] === undefined || v < (s['exclusiveMaximum'] as number)),
      );
  }
}

/** Values no contract should let through to a store: wrong types, broken strings, extreme numbers, prototype keys. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    true,
    '',
    '\u0000',
    'a\u0000b',
    '\ud800',
    'x\udfff',
    1e308,
    -1e308,
    Number.MIN_VALUE,
    -0,
    1e21,
    2 ** 53 + 1,
    -1,
    'NaN',
    'Infinity',
    [],
    {},
    [[[[[]]]]],
    'x'.repeat(5_000),
    { __proto__: { polluted: true } },
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.jsonValue({ maxDepth: 3 }),
);

const protoKeys = ['__proto__', 'constructor', 'prototype'];
const breakingPathValues = ['%00', 'a%00b', '%ED%A0%80', '%', '%zz', '..', '%2e%2e', 'x'.repeat(300), '%F0%9F%92%A9', ' '];

/** `{"a":` … with `depth` levels of nesting: what a stack-exhausting body looks like. */
const deepText = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

type Mutation = { readonly mutation: string; readonly apply: (body: unknown) => { payload: string | undefined; contentType?: string } };

function bodyMutations(hasBody: boolean): fc.Arbitrary<Mutation> {
  const json = (mutation: string, f: (body: Json) => unknown): Mutation => ({
    mutation,
    apply: (body) => ({ payload: JSON.stringify(f(typeof body === 'object' && body !== null && !Array.isArray(body) ? { ...(body as Json) } : {})) }),
  });
  const options: fc.Arbitrary<Mutation>[] = [
    fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), hostileValue).map(([k, v]) => json(`unknown field ${JSON.stringify(k)}`, (b) => ({ ...b, [k]: v }))),
    fc.tuple(fc.constantFrom(...protoKeys), hostileValue).map(([k, v]) => ({
      mutation: `prototype key ${k}`,
      apply: (body: unknown) => ({ payload: JSON.stringify(body ?? {}).replace(/^\{/, `{${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'},`).replace(/,\}$/, '}') }),
    })),
    fc.integer({ min: 33, max: 20_000 }).map((d) => ({ mutation: `nesting ${d} deep`, apply: () => ({ payload: deepText(d) }) })),
    fc.nat({ max: 200 }).map((cut) => ({
      mutation: `truncated JSON at ${cut}`,
      apply: (body: unknown) => {
        const text = JSON.stringify(body ?? {});
        return { payload: text.slice(0, Math.min(cut, Math.max(0, text.length - 1))) };
      },
    })),
    hostileValue.map((v) => ({ mutation: 'the body replaced by a hostile value', apply: () => ({ payload: JSON.stringify(v) ?? 'null' }) })),
    fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=utf-7').map((ct) => ({
      mutation: `content type ${ct}`,
      apply: (body: unknown) => ({ payload: JSON.stringify(body ?? {}), contentType: ct }),
    })),
  ];
  if (hasBody) {
    options.push(
      fc.tuple(fc.nat(), hostileValue).map(([i, v]) => ({
        mutation: `field #${i} set to a hostile value`,
        apply: (body: unknown) => {
          const b = { ...((body ?? {}) as Json) };
          const keys = Object.keys(b);
          if (keys.length > 0) b[keys[i % keys.length]!] = v;
          return { payload: JSON.stringify(b) };
        },
      })),
      fc.nat().map((i) => ({
        mutation: `field #${i} left out`,
        apply: (body: unknown) => {
          const b = { ...((body ?? {}) as Json) };
          const keys = Object.keys(b);
          if (keys.length > 0) delete b[keys[i % keys.length]!];
          return { payload: JSON.stringify(b) };
        },
      })),
    );
  }
  return fc.oneof(...options);
}

/**
 * Malformed requests for one operation: a body (or none), headers and path parameters that its
 * schemas accept, then one of the mutations above; for operations without a body, broken path
 * parameters and bodies they do not take. `token` is sent as a bearer token when given.
 */
export function malformedRequests(doc: Json, op: FuzzOperation, token: string | undefined): fc.Arbitrary<FuzzRequest> {
  const values = new SchemaValues(doc);
  const params = fc.record(Object.fromEntries(op.pathParams.map((p) => [p.name, values.valid(p.schema)])));
  const headers = fc.record(Object.fromEntries(op.headerParams.map((h) => [h.name, values.valid(h.schema)])));
  const urlFor = (p: Record<string, unknown>, broken?: [string, string]): string =>
    op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => (broken?.[0] === name ? broken[1] : encodeURIComponent(String(p[name]))));
  const base = (mutation: string, url: string, h: Record<string, unknown>, payload: string | undefined, contentType = 'application/json'): FuzzRequest => ({
    method: op.method,
    url,
    headers: {
      ...Object.fromEntries(Object.entries(h).map(([k, v]) => [k, String(v)])),
      ...(payload === undefined ? {} : { 'content-type': contentType }),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    payload,
    mutation,
  });
  const viaBody = fc.tuple(params, headers, values.valid(op.body), bodyMutations(op.body !== undefined)).map(([p, h, body, m]) => {
    const { payload, contentType } = m.apply(body);
    return base(m.mutation, urlFor(p), h, payload, contentType);
  });
  const arbitraries: fc.Arbitrary<FuzzRequest>[] = [viaBody];
  if (op.pathParams.length > 0) {
    arbitraries.push(
      fc
        .tuple(params, headers, values.valid(op.body), fc.constantFrom(...op.pathParams.map((p) => p.name)), fc.constantFrom(...breakingPathValues))
        .map(([p, h, body, name, bad]) =>
          base(`path parameter ${name}=${bad.slice(0, 20)}`, urlFor(p, [name, bad]), h, op.body === undefined ? undefined : JSON.stringify(body)),
        ),
    );
  }
  if (op.headerParams.length > 0) {
    arbitraries.push(
      fc.tuple(params, values.valid(op.body), fc.constantFrom('', 'x'.repeat(500))).map(([p, body, bad]) =>
        base(`header ${op.headerParams[0]!.name} broken`, urlFor(p), { [op.headerParams[0]!.name]: bad }, op.body === undefined ? undefined : JSON.stringify(body)),
      ),
    );
  }
  return fc.oneof(...arbitraries);
}
