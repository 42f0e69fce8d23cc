// Maps Lucent's typed errors to HTTP responses in one place: status from the code, body names the field; every 5xx is logged, never explained to the client.
import { randomUUID } from 'node:crypto';
import { Catch, HttpException, Inject, Optional, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { httpStatusFor, LucentError, ValidationError, type Logger } from '@lucent/core';
import { createLogger } from '@lucent/runtime';
import { callContextKey, type RequestWithCallContext } from '../callContext/callContext.js';
import { LUCENT_LOGGER } from '../tokens.js';

interface ReplyLike {
  status(code: number): ReplyLike;
  header(name: string, value: string): ReplyLike;
  send(body: unknown): void;
}

type RequestLike = Partial<RequestWithCallContext> & {
  readonly method?: string;
  readonly url?: string;
  readonly routeOptions?: { readonly url?: string };
};

export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

/** What a client is told of a failure whose cause is internal: the code and nothing more (the cause goes to the log). */
const serverMessages: Record<string, string> = {
  FUNCTION_FAILED: 'The function failed; the error is logged under details.errorId',
  INTERNAL: 'Internal error; the error is logged under details.errorId',
};

/** HTTP status and body for any error a handler can raise (5xx bodies before redaction). */
export function toHttpError(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof ValidationError && error.where === 'output') {
    // A function broke its own output contract: the caller did nothing wrong.
    return { status: 500, body: { code: 'FUNCTION_FAILED', message: error.message, details: error.details ?? {} } };
  }
  if (error instanceof LucentError) return { status: httpStatusFor(error.code), body: error.toJSON() };
  if (error instanceof HttpException) {
    return { status: error.getStatus(), body: { code: 'HTTP_ERROR', message: error.message } };
  }
  // Fastify's own refusals (body too large, unsupported media type, request timeout) carry a 4xx status.
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, body: { code: 'HTTP_ERROR', message: (error as Error).message } };
  }
  return { status: 500, body: { code: 'INTERNAL', message: 'Internal error' } };
}

@Catch()
export class LucentExceptionFilter implements ExceptionFilter {
  private readonly logger: Logger;

  constructor(@Optional() @Inject(LUCENT_LOGGER) logger?: Logger) {
    this.logger = logger ?? createLogger();
  }

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<ReplyLike>();
    const { status, body: raw } = toHttpError(error);
    const body = status >= 500 ? this.logServerError(error, status, raw, http.getRequest<RequestLike>()) : raw;
    // RFC 6750: a 401 tells the client which scheme to retry with.
    if (status === 401) reply.header('www-authenticate', 'Bearer');
    // RFC 9110: a 429 says when to come back, in whole seconds.
    const retryAfterMs = status === 429 ? body.details?.['retryAfterMs'] : undefined;
    if (typeof retryAfterMs === 'number') reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1_000))));
    // An error body is JSON even on a route that answers another type (GET /metrics is text/plain):
    // the route's own content type would make the server refuse to send the object.
    reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
  }

  /** One structured line with everything an operator needs; the client gets the code and the line's id. */
  private logServerError(error: unknown, status: number, body: ErrorBody, request: RequestLike | undefined): ErrorBody {
    const errorId = randomUUID();
    const call = request?.[callContextKey];
    const header = request?.headers?.['x-correlation-id'];
    const correlationId = call?.correlationId ?? (typeof header === 'string' ? header : undefined);
    this.logger.error('HTTP request failed', {
      errorId,
      status,
      code: body.code,
      method: request?.method,
      route: request?.routeOptions?.url ?? request?.url,
      correlationId,
      userId: call?.caller?.userId,
      error: error instanceof Error ? error.message : String(error),
      stack: error instanceof Error ? error.stack : undefined,
      details: body.details,
    });
    const ids = { errorId, ...(correlationId === undefined ? {} : { correlationId }) };
    const fixed = serverMessages[body.code];
    // Lucent's own refusals (UNAVAILABLE, DEADLINE_EXCEEDED…) are written for clients and keep their details.
    if (fixed === undefined) return { ...body, details: { ...body.details, ...ids } };
    return { code: body.code, message: fixed, details: ids };
  }
}
