// HTTP server spans: one per request while tracing is on, child of the caller's `traceparent`; the route's handler runs inside it.
import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { openServerSpan, tracingActive, type OpenSpan } from '@lucent/runtime';
import { Observable } from 'rxjs';

// Keyed by Fastify's request object, which is also what Nest hands the interceptor.
const spans = new WeakMap<object, OpenSpan>();

/**
 * Makes the request's span the active one while its handler runs (interceptors run after the guards,
 * inside the route's async chain), for the app's own spans and instrumentations; Lucent's calls
 * follow the traceparent header instead. Nest calls the next handler as soon as `handle()` is
 * called, so that call is what runs in the span.
 */
@Injectable()
export class HttpSpanInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!tracingActive()) return next.handle();
    const span = spans.get(context.switchToHttp().getRequest<object>());
    if (span === undefined) return next.handle();
    return new Observable((subscriber) => span.run(() => next.handle().subscribe(subscriber)));
  }
}

/**
 * A span from the moment Fastify routes a request to the moment its answer is sent (guards, body
 * parsing and the exception filter included), named by method and route template. 5xx answers and
 * aborted requests are errors; a 4xx is the caller's, not the server's.
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
  app.useGlobalInterceptors(new HttpSpanInterceptor());
}
