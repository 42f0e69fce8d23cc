// createLucentApp: a NestJS app on Fastify with the HTTP edge Lucent needs — slow-client timeouts, a bounded JSON parser, storable strings only.
import { createServer, type RequestListener } from 'node:http';
import type { LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ValidationError } from '@lucent/core';
import { installHttpTracing } from './httpTracing.js';
import { assertStorableStrings, jsonNestingExceeds, jsonTextMayHoldBadStrings } from './requestInput.js';

export interface LucentHttpOptions {
  /** Largest accepted body in bytes (default 1 MiB); a larger one is a 413. */
  readonly bodyLimit?: number;
  /** Deepest nesting of arrays and objects in a JSON body (default 32); deeper is a 400 before parsing. */
  readonly maxJsonDepth?: number;
  /** Time a client has to send its request headers (default 10 s); then the connection is closed. */
  readonly headersTimeoutMs?: number;
  /** Time a client has to send its whole request, headers and body (default 30 s); then 408 and close. */
  readonly requestTimeoutMs?: number;
  /** How long an idle keep-alive connection stays open between requests (default 5 s). */
  readonly keepAliveTimeoutMs?: number;
  /** NestJS's own log levels (default error and warn); false silences Nest. */
  readonly nestLogger?: false | LogLevel[];
}

export interface ResolvedHttpOptions {
  readonly bodyLimit: number;
  readonly maxJsonDepth: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
}

export function resolveHttpOptions(options: LucentHttpOptions = {}): ResolvedHttpOptions {
  const resolved = {
    bodyLimit: options.bodyLimit ?? 1_048_576,
    maxJsonDepth: options.maxJsonDepth ?? 32,
    headersTimeoutMs: options.headersTimeoutMs ?? 10_000,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? 5_000,
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isInteger(value) || value <= 0) throw new TypeError(`HTTP option ${name} must be a positive integer, got ${value}`);
  }
  // Node refuses a request timeout shorter than the headers timeout.
  if (resolved.headersTimeoutMs > resolved.requestTimeoutMs) {
    throw new TypeError('HTTP option headersTimeoutMs must not exceed requestTimeoutMs');
  }
  return resolved;
}

/**
 * Node checks its header and request timeouts only every `connectionsCheckingInterval` (30 s by
 * default), which let a slow client hold a connection for 75 s and more. A server made here checks
 * every second at most, so the configured limits are the limits.
 */
function timedServer(options: ResolvedHttpOptions) {
  return (handler: RequestListener) => {
    const server = createServer(
      {
        headersTimeout: options.headersTimeoutMs,
        requestTimeout: options.requestTimeoutMs,
        connectionsCheckingInterval: Math.min(1_000, options.headersTimeoutMs),
      },
      handler,
    );
    server.keepAliveTimeout = options.keepAliveTimeoutMs;
    return server;
  };
}

function jsonTooDeep(limit: number): ValidationError {
  return new ValidationError('input', 'request body', [{ path: '(root)', message: `must not nest arrays and objects deeper than ${limit} levels` }]);
}

/**
 * The JSON parser every route reads its body with: Fastify's own (prototype-poisoning refused),
 * behind a nesting check on the raw text and a walk that refuses strings no store can keep.
 * Errors raised here reach the app's exception filter like any other.
 */
function installJsonParser(app: NestFastifyApplication, options: ResolvedHttpOptions): void {
  const fastify = app.getHttpAdapter().getInstance();
  const parse = fastify.getDefaultJsonParser('error', 'error');
  // Every route speaks JSON: a text/plain body is a 415, not a string for a contract to puzzle over.
  fastify.removeContentTypeParser('text/plain');
  fastify.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: options.bodyLimit }, (request, body, done) => {
    const text = body as string;
    if (jsonNestingExceeds(text, options.maxJsonDepth)) {
      done(jsonTooDeep(options.maxJsonDepth), undefined);
      return;
    }
    parse(request, text, (error: Error | null, value?: unknown) => {
      if (error !== null) {
        done(new ValidationError('input', 'request body', [{ path: '(root)', message: `must be valid JSON (${error.message})` }]), undefined);
        return;
      }
      try {
        if (jsonTextMayHoldBadStrings(text)) assertStorableStrings(value, 'body');
        done(null, value);
      } catch (refused) {
        done(refused as Error, undefined);
      }
    });
  });
  // Path parameters and the query string are decoded by the router: `%00` arrives here as NUL.
  // A callback hook, not an async one: a promise and a turn of its own per request for two small walks.
  fastify.addHook('preValidation', (request, _reply, done) => {
    try {
      assertStorableStrings(request.params, 'params');
      assertStorableStrings(request.query, 'query');
    } catch (refused) {
      done(refused as Error);
      return;
    }
    done();
  });
}

const served = new WeakMap<object, { method: string; url: string }[]>();

/** Every method and path the app's router serves (HEAD routes Fastify adds for GETs left out), for tests and tooling. */
export function servedRoutes(app: NestFastifyApplication): readonly { method: string; url: string }[] {
  return served.get(app) ?? [];
}

/**
 * The NestJS application for `module` on Fastify, with Lucent's HTTP edge in place and not yet
 * initialised: call `app.init()` or `app.listen()` as usual.
 */
export async function createLucentApp(module: Parameters<typeof NestFactory.create>[0], options: LucentHttpOptions = {}): Promise<NestFastifyApplication> {
  const resolved = resolveHttpOptions(options);
  const adapter = new FastifyAdapter({
    bodyLimit: resolved.bodyLimit,
    requestTimeout: resolved.requestTimeoutMs,
    keepAliveTimeout: resolved.keepAliveTimeoutMs,
    serverFactory: timedServer(resolved),
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    logger: options.nestLogger ?? ['error', 'warn'],
    // Nest's own JSON parser would take the body before the checks above.
    bodyParser: false,
  });
  installJsonParser(app, resolved);
  // Hooks that check one boolean per request while tracing is off (startTracing was never called).
  installHttpTracing(app);
  const routes: { method: string; url: string }[] = [];
  served.set(app, routes);
  app.getHttpAdapter().getInstance().addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url });
  });
  return app;
}
