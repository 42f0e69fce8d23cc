// HTTP server spans: one per request while tracing is on, child of the caller's `traceparent`; the route's handler runs inside it.
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { openServerSpan, tracingActive, type OpenSpan } from '@lucent/runtime';

// Keyed by Fastify's request object.
const spans = new WeakMap<object, OpenSpan>();

/**
 * A span from the moment Fastify routes a request to the moment its answer is sent (guards, body
 * parsing and the exception filter included), named by method and route template. 5xx answers and
 * aborted requests are errors; a 4xx is the caller's, not the server's.
 *
 * The span is the active one for everything the request runs after its `onRequest` hook — body
 * parsing (Fastify carries the async context across it), guards, the handler — for the app's own
 * spans and instrumentations; Lucent's calls follow the traceparent header instead. This used to
 * be a global Nest interceptor, which made Nest wrap every request of every route in its
 * interceptor chain (two `AsyncResource.bind`s, an Observable and its operators) even with
 * tracing off: about a tenth of a gateway request's CPU for nothing. Tracing off, each hook here
 * reads one boolean or does one WeakMap lookup.
 */
export function installHttpTracing(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (tracingActive()) {
      const route = request.routeOptions.url;
      const header = request.headers['traceparent'];
      // None when the caller sampled its trace out: the header then tells every call made for it the same.
      const span = openServerSpan(`${request.method} ${route ?? 'unmatched'}`, typeof header === 'string' ? header : undefined, {
        'http.request.method': request.method,
        'url.path': request.url.split('?', 1)[0] ?? '',
        ...(route !== undefined && { 'http.route': route }),
      });
      if (span !== undefined) {
        spans.set(request, span);
        // The handler's calls, commands and events take the request's traceparent from this header
        // (the call context): from here on it names this span, sampled out or not.
        request.headers['traceparent'] = span.traceparent;
        // Fastify runs the rest of the request from this callback, so the rest runs in the span.
        span.run(done);
        return;
      }
    }
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const span = spans.get(request);
    if (span !== undefined) {
      spans.delete(request);
      span.set({ 'http.response.status_code': reply.statusCode });
      if (reply.statusCode >= 500) span.fail({ code: `HTTP_${reply.statusCode}`, message: `answered ${reply.statusCode}` });
      span.end();
    }
    done();
  });
  fastify.addHook('onRequestAbort', (request, done) => {
    const span = spans.get(request);
    if (span !== undefined) {
      spans.delete(request);
      span.fail({ code: 'ABORTED', message: 'the client closed the connection before the answer' });
      span.end();
    }
    done();
  });
}
