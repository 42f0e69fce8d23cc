// Maps Lucent's typed errors to HTTP responses in one place: status from the code, body names the field.
import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { httpStatusFor, LucentError, ValidationError } from '@lucent/core';

interface ReplyLike {
  status(code: number): ReplyLike;
  header(name: string, value: string): ReplyLike;
  send(body: unknown): void;
}

export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

/** HTTP status and body for any error a handler can raise. */
export function toHttpError(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof ValidationError && error.where === 'output') {
    // A function broke its own output contract: the caller did nothing wrong.
    return { status: 500, body: { code: 'FUNCTION_FAILED', message: error.message, details: error.details ?? {} } };
  }
  if (error instanceof LucentError) return { status: httpStatusFor(error.code), body: error.toJSON() };
  if (error instanceof HttpException) {
    return { status: error.getStatus(), body: { code: 'HTTP_ERROR', message: error.message } };
  }
  return { status: 500, body: { code: 'INTERNAL', message: 'Internal error' } };
}

@Catch()
export class LucentExceptionFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<ReplyLike>();
    const { status, body } = toHttpError(error);
    // RFC 6750: a 401 tells the client which scheme to retry with.
    if (status === 401) reply.header('www-authenticate', 'Bearer');
    reply.status(status).send(body);
  }
}
